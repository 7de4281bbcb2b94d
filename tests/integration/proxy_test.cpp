// The proxy sample (corio-proxy, a child process) between real clients and corio upstreams:
// 100 concurrent connections echoed intact both ways, a slow downstream reader that holds the
// proxy's memory down, and TLS on both sides.
#include "support.hpp"
#include "tls_support.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <random>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

using namespace std::chrono_literals;

// Byte i of a source stream: a pattern a reader can check without keeping a copy.
char pattern(std::size_t i) {
    return static_cast<char>((i * 7 + i / 251) & 0xff);
}

// Sends `size` pattern bytes as fast as the peer takes them, then closes.
corio::handler source(std::size_t size) {
    return [size](corio::connection& c) -> corio::task<> {
        std::string chunk(64 * 1024, '\0');
        for (std::size_t sent = 0; sent < size;) {
            std::size_t n = std::min(chunk.size(), size - sent);
            for (std::size_t i = 0; i < n; ++i) chunk[i] = pattern(sent + i);
            if (!c.write(std::string_view(chunk).substr(0, n))) co_return;
            sent += n;
            auto failed = co_await c.flush();
            if (failed) co_return;
        }
    };
}

std::vector<std::string> proxy_args(std::uint16_t port, const std::string& upstream,
                                    std::vector<std::string> extra = {}) {
    std::vector<std::string> args{CORIO_PROXY_BIN,
                                  "--address",
                                  "tcp://127.0.0.1:" + std::to_string(port),
                                  "--upstream",
                                  upstream,
                                  "--loops",
                                  "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

asio::awaitable<bool> echo_client(tcp::endpoint ep, std::string payload) {
    co_return co_await test::asio_round_trip(ep, payload) == payload;
}

} // namespace

TEST_CASE("proxy: 100 concurrent connections echoed intact through corio-proxy") {
    corio::engine upstream(test::test_options(1));
    auto up_port = upstream.serve("tcp://127.0.0.1:0", test::echo_handler).port;
    upstream.start();
    auto port = test::free_port();
    test::child_process proxy(proxy_args(port, "tcp://127.0.0.1:" + std::to_string(up_port)));
    REQUIRE(proxy.wait_listening());

    asio::io_context ctx;
    std::mt19937_64 rng(42);
    std::atomic<int> ok{0};
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    for (int i = 0; i < 100; ++i) {
        std::string payload(1 + rng() % (256 * 1024), '\0');
        for (auto& ch : payload) ch = static_cast<char>(rng());
        asio::co_spawn(ctx, echo_client(ep, std::move(payload)), [&](std::exception_ptr e, bool r) {
            if (!e && r) ++ok;
        });
    }
    std::thread runner([&] { ctx.run_for(60s); });
    runner.join();
    CHECK(ok.load() == 100);
    CHECK(test::eventually([&] { return upstream.count_connections() == 0; }));
    CHECK(proxy.stop() == 0);
    upstream.stop();
    upstream.wait();
}

TEST_CASE("proxy: a slow downstream reader holds memory down, then gets every byte") {
    constexpr std::size_t total = 128u << 20; // far more than the proxy may buffer
    corio::engine upstream(test::test_options(1));
    auto up_port = upstream.serve("tcp://127.0.0.1:0", source(total)).port;
    upstream.start();
    auto port = test::free_port();
    test::child_process proxy(proxy_args(port, "tcp://127.0.0.1:" + std::to_string(up_port)));
    REQUIRE(proxy.wait_listening());
    std::size_t rss_before = proxy.rss_kib();

    test::client c(port);
    std::size_t got = 0;
    bool intact = true;
    auto take = [&](std::size_t n, std::chrono::milliseconds limit) {
        std::string s = c.recv(n, limit);
        for (std::size_t i = 0; i < s.size(); ++i) intact &= s[i] == pattern(got + i);
        got += s.size();
        return s.size();
    };
    // Read 1 MiB, then stall for two seconds while the upstream pushes as fast as it can.
    take(1u << 20, 10s);
    std::this_thread::sleep_for(2s);
    std::size_t rss_stalled = proxy.rss_kib();
    MESSAGE("proxy RSS: " << rss_before << " KiB at start, " << rss_stalled
                          << " KiB with a stalled reader");
    // The proxy may hold about one high-water mark (1 MiB) plus a read block per side.
    CHECK(rss_stalled < rss_before + 16 * 1024);
    // Now read the rest at full speed.
    while (got < total && take(total - got, 10s) > 0) {
    }
    CHECK(got == total);
    CHECK(intact);
    CHECK(proxy.stop() == 0);
    upstream.stop();
    upstream.wait();
}

TEST_CASE("proxy: tls in front, tls to the upstream, bytes intact") {
    const auto& f = test::tls_files::get();
    auto server_tls = test::tls_files::server_options();
    corio::engine e(test::test_options(2));
    auto up_port = e.serve("tls://127.0.0.1:0", test::echo_handler, server_tls).port;
    e.start();
    auto port = test::free_port();
    std::vector<std::string> args{CORIO_PROXY_BIN,
                                  "--address",
                                  "tls://127.0.0.1:" + std::to_string(port),
                                  "--tls-cert",
                                  f.cert,
                                  "--tls-key",
                                  f.key,
                                  "--upstream",
                                  "tls://localhost:" + std::to_string(up_port),
                                  "--upstream-ca",
                                  f.cert,
                                  "--loops",
                                  "2"};
    test::child_process proxy(args);
    REQUIRE(proxy.wait_listening());

    std::string payload(1u << 20, '\0');
    std::mt19937 rng(3);
    for (auto& ch : payload) ch = static_cast<char>(rng());
    auto round = [&]() -> corio::task<std::string> {
        corio::dial_options o;
        o.tls.ca_file = f.cert;
        auto conn = co_await corio::dial(e, "tls://localhost:" + std::to_string(port), o);
        co_return co_await test::round_trip(*conn, payload);
    };
    CHECK(test::run_on(e, round(), 30000ms) == payload);
    CHECK(proxy.log().find("failed") == std::string::npos);
    CHECK(proxy.stop() == 0);
    e.stop();
    e.wait();
}
