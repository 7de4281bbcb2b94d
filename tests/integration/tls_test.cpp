// TLS listeners and dials with real peers: corio's own dial, openssl s_client and curl against
// a corio tls:// server; plain text and silence on a tls port; certificates refused on dial
// (expired, wrong host, untrusted); client certificates; a large transfer with backpressure.
#include "support.hpp"
#include "tls_support.hpp"

#include <array>
#include <cstdio>
#include <random>

#include <boost/asio/experimental/awaitable_operators.hpp>

namespace {

using namespace std::chrono_literals;

corio::dial_options trusting_dial() {
    corio::dial_options d;
    d.tls.ca_file = test::tls_files::get().cert;
    return d;
}

// Answers one HTTP/1.x request with "hello" and closes: enough for curl and s_client.
corio::task<> hello_http(corio::connection& conn) {
    auto head = co_await conn.read_until("\r\n\r\n");
    if (!head) co_return;
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    co_await conn.close();
}

// Runs a shell command (bounded by `timeout` inside it) and returns its stdout.
std::string shell(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf;
    for (;;) {
        std::size_t n = std::fread(buf.data(), 1, buf.size(), p);
        out.append(buf.data(), n);
        if (n > 0) continue;
        if (std::ferror(p) && errno == EINTR) { // see test::recv_retry
            std::clearerr(p);
            continue;
        }
        break;
    }
    ::pclose(p);
    return out;
}

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

} // namespace

TEST_CASE("tls: corio dial against a corio tls server, ALPN chosen, echo intact") {
    auto tls = test::tls_files::server_options();
    tls.alpn = {"redis", "http/1.1"};
    corio::engine e(test::test_options(2));
    std::atomic<bool> saw_tls{false};
    std::string alpn_seen;
    std::mutex m;
    auto port = e.serve(
                     "tls://127.0.0.1:0",
                     [&](corio::connection& c) -> corio::task<> {
                         saw_tls = c.is_tls();
                         {
                             std::lock_guard lock(m);
                             alpn_seen = c.alpn_protocol();
                         }
                         co_await test::echo_handler(c);
                     },
                     tls)
                    .port;
    e.start();
    auto opts = trusting_dial();
    opts.tls.alpn = {"http/1.1"};
    std::string url = "tls://localhost:" + std::to_string(port);
    auto payload = random_bytes(100000, 1);
    CHECK(test::run_on(e, test::dial_round_trip(e, url, payload, opts)) == payload);
    CHECK(saw_tls.load());
    {
        std::lock_guard lock(m);
        CHECK(alpn_seen == "http/1.1");
    }
    // By IP: the certificate names 127.0.0.1 too.
    CHECK(test::run_on(e, test::dial_round_trip(e, "tls://127.0.0.1:" + std::to_string(port), "abc",
                                                opts)) == "abc");
    e.stop();
    e.wait();
}

TEST_CASE("tls: openssl s_client and curl are served") {
    corio::engine e(test::test_options(2));
    auto port = e.serve("tls://127.0.0.1:0", hello_http, test::tls_files::server_options()).port;
    e.start();
    const auto& f = test::tls_files::get();
    std::string p = std::to_string(port);

    std::string curl =
        shell("timeout 20 curl -s --cacert " + f.cert + " https://localhost:" + p + "/ 2>&1");
    CHECK(curl == "hello");

    std::string s_client =
        shell("(printf 'GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'; sleep 3) | timeout 20 "
              "openssl s_client -connect 127.0.0.1:" +
              p + " -servername localhost -CAfile " + f.cert +
              " -verify_return_error -quiet 2>/dev/null");
    CHECK(s_client.find("HTTP/1.1 200 OK") != std::string::npos);
    CHECK(s_client.find("hello") != std::string::npos);
    e.stop();
    e.wait();
}

TEST_CASE("tls: plain text and silence on a tls port close that connection only") {
    test::log_capture logs;
    auto opts = test::test_options(2, &logs);
    corio::engine e(opts);
    auto tls = test::tls_files::server_options();
    tls.handshake_timeout = 300ms;
    auto port = e.serve("tls://127.0.0.1:0", test::echo_handler, tls).port;
    e.start();

    test::client plain(port);
    REQUIRE(plain.send("GET / HTTP/1.0\r\n\r\n"));
    CHECK(plain.wait_closed(5000ms));

    test::client silent(port); // never says hello: the handshake timeout closes it
    auto t0 = std::chrono::steady_clock::now();
    CHECK(silent.wait_closed(5000ms));
    CHECK(std::chrono::steady_clock::now() - t0 >= 250ms);

    CHECK(test::eventually([&] { return logs.count_containing("tls handshake with") >= 2; }));
    // Still serving TLS.
    std::string url = "tls://localhost:" + std::to_string(port);
    CHECK(test::run_on(e, test::dial_round_trip(e, url, "still here", trusting_dial())) ==
          "still here");
    e.stop();
    e.wait();
}

TEST_CASE("tls: dial refuses expired, wrong-host and untrusted certificates") {
    const auto& f = test::tls_files::get();
    corio::engine e(test::test_options(2));
    corio::tls_options expired;
    expired.certificate_file = f.expired_cert;
    expired.private_key_file = f.expired_key;
    auto good_port =
        e.serve("tls://127.0.0.1:0", test::echo_handler, test::tls_files::server_options()).port;
    auto expired_port = e.serve("tls://127.0.0.1:0", test::echo_handler, expired).port;
    e.start();

    auto expect_refused = [&](std::string url, corio::dial_options opts, std::string_view why) {
        try {
            test::run_on(e, test::dial_round_trip(e, url, "x", opts));
            FAIL("dial to " << url << " should have failed");
        } catch (const std::system_error& ex) {
            std::string what = ex.what();
            CHECK_MESSAGE(what.find("handshake failed") != std::string::npos, what);
            CHECK_MESSAGE(what.find(why) != std::string::npos, what);
        }
    };
    auto expired_opts = trusting_dial();
    expired_opts.tls.ca_file = f.expired_cert;
    expect_refused("tls://localhost:" + std::to_string(expired_port), expired_opts, "expired");

    auto wrong_host = trusting_dial();
    wrong_host.tls.server_name = "not-localhost.example";
    expect_refused("tls://127.0.0.1:" + std::to_string(good_port), wrong_host, "certificate");

    corio::dial_options system_store; // the system store does not know our self-signed cert
    expect_refused("tls://localhost:" + std::to_string(good_port), system_store, "certificate");

    // Without verification the same server is reachable.
    corio::dial_options unverified;
    unverified.tls.verify_peer = false;
    CHECK(test::run_on(e, test::dial_round_trip(e, "tls://127.0.0.1:" + std::to_string(good_port),
                                                "ok", unverified)) == "ok");
    e.stop();
    e.wait();
}

TEST_CASE("tls: a listener with ca_file requires a client certificate") {
    const auto& f = test::tls_files::get();
    test::log_capture logs;
    corio::engine e(test::test_options(2, &logs));
    auto tls = test::tls_files::server_options();
    tls.ca_file = f.client_cert;
    auto port = e.serve("tls://127.0.0.1:0", test::echo_handler, tls).port;
    e.start();
    std::string url = "tls://localhost:" + std::to_string(port);

    auto with_cert = trusting_dial();
    with_cert.tls.certificate_file = f.client_cert;
    with_cert.tls.private_key_file = f.client_key;
    CHECK(test::run_on(e, test::dial_round_trip(e, url, "mutual", with_cert)) == "mutual");

    // Without a certificate: TLS 1.3 finishes the client's handshake before the server
    // checks, so the refusal shows as a failed dial or as a connection closed at once.
    bool refused = false;
    try {
        refused = test::run_on(e, test::dial_round_trip(e, url, "anon", trusting_dial())) != "anon";
    } catch (const std::system_error&) {
        refused = true;
    }
    CHECK(refused);
    CHECK(test::eventually([&] { return logs.count_containing("tls handshake with") >= 1; }));
    e.stop();
    e.wait();
}

TEST_CASE("tls: 16 MiB each way through a small high-water mark stays intact") {
    auto opts = test::test_options(2);
    opts.outbound_high_water = 64 * 1024;
    corio::engine e(opts);
    auto port =
        e.serve("tls://127.0.0.1:0", test::echo_handler, test::tls_files::server_options()).port;
    e.start();
    auto payload = random_bytes(16 << 20, 7);
    auto round = [&]() -> corio::task<std::string> {
        using namespace boost::asio::experimental::awaitable_operators;
        auto conn =
            co_await corio::dial(e, "tls://localhost:" + std::to_string(port), trusting_dial());
        co_return co_await test::round_trip_in_chunks(
            *conn, payload, 256 * 1024,
            [](corio::connection& c) { CHECK(c.outbound_buffered() <= 64 * 1024); });
    };
    auto got = test::run_on(e, round(), 60000ms);
    CHECK(got.size() == payload.size());
    CHECK(got == payload);
    e.stop();
    e.wait();
}

TEST_CASE("tls: bad tls options are refused at serve and dial time") {
    corio::engine e(test::test_options(1));
    corio::tls_options none;
    CHECK_THROWS_AS(e.serve("tls://127.0.0.1:0", test::echo_handler, none), std::invalid_argument);
    corio::tls_options missing;
    missing.certificate_file = "/nonexistent/cert.pem";
    missing.private_key_file = "/nonexistent/key.pem";
    CHECK_THROWS_AS(e.serve("tls://127.0.0.1:0", test::echo_handler, missing),
                    std::invalid_argument);
    CHECK_THROWS_AS(e.serve("tls://127.0.0.1:0", test::echo_handler), std::invalid_argument);
    CHECK_THROWS_AS(
        e.serve("tcp://127.0.0.1:0", test::echo_handler, test::tls_files::server_options()),
        std::invalid_argument);
}

TEST_CASE("tls: a handler that returns with a backlog still delivers all of it") {
    constexpr std::size_t total = 3u << 20; // over the high-water mark: flush leaves a backlog
    corio::engine e(test::test_options(2));
    auto port = e.serve(
                     "tls://127.0.0.1:0",
                     [](corio::connection& c) -> corio::task<> {
                         c.write(random_bytes(total, 9));
                         co_await c.flush();
                         // Returning hands the rest to the engine's close.
                     },
                     test::tls_files::server_options())
                    .port;
    e.start();
    auto drain = [&]() -> corio::task<std::string> {
        auto conn =
            co_await corio::dial(e, "tls://localhost:" + std::to_string(port), trusting_dial());
        std::string got;
        while (auto b = co_await conn->read()) {
            got += b;
            conn->discard(b.size());
        }
        CHECK(conn->error() == corio::errc::eof);
        co_return got;
    };
    CHECK(test::run_on(e, drain(), 30000ms) == random_bytes(total, 9));
    e.stop();
    e.wait();
}
