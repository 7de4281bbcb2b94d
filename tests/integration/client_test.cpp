// corio::dial against real listeners: tcp by address and by name, unix sockets, refused and
// timed-out connects, dialing from a handler onto another loop (operations hop safely), and
// the engine's bookkeeping of dialed connections.
#include "support.hpp"

#include <sys/un.h>

namespace {

using namespace std::chrono_literals;

const corio::dial_options plain;

} // namespace

TEST_CASE("dial: tcp by address and by name, unix by path, each echoed") {
    corio::engine e(test::test_options(2));
    auto port = e.serve("tcp://127.0.0.1:0", test::echo_handler).port;
    std::string path = "/tmp/corio-dial-" + std::to_string(::getpid()) + ".sock";
    e.serve("unix://" + path, test::echo_handler);
    e.start();
    std::string p = std::to_string(port);
    CHECK(test::run_on(e, test::dial_round_trip(e, "tcp://127.0.0.1:" + p, "by address", plain)) ==
          "by address");
    CHECK(test::run_on(e, test::dial_round_trip(e, "tcp://localhost:" + p, "by name", plain)) ==
          "by name");
    CHECK(test::run_on(e, test::dial_round_trip(e, "tcp4://localhost:" + p, "v4 only", plain)) ==
          "v4 only");
    CHECK(test::run_on(e, test::dial_round_trip(e, "unix://" + path, "over unix", plain)) ==
          "over unix");
    e.stop();
    e.wait();
}

TEST_CASE("dial: refused, unresolvable and timed-out connects throw, naming the URL") {
    corio::engine e(test::test_options(1));
    e.start();
    // A port nobody listens on: take one, then close it.
    int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(probe, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
    socklen_t len = sizeof sin;
    ::getsockname(probe, reinterpret_cast<sockaddr*>(&sin), &len);
    ::close(probe);
    std::string refused_url = "tcp://127.0.0.1:" + std::to_string(ntohs(sin.sin_port));
    try {
        test::run_on(e, test::dial_round_trip(e, refused_url, "x", plain));
        FAIL("connect should be refused");
    } catch (const std::system_error& ex) {
        CHECK(ex.code() == std::errc::connection_refused);
        CHECK(std::string(ex.what()).find(refused_url) != std::string::npos);
    }

    // A name that cannot resolve fails, whether the resolver says so or (no DNS server
    // answering) the connect timeout, which covers resolving, ends it first.
    corio::dial_options bounded;
    bounded.connect_timeout = 3000ms;
    CHECK_THROWS_AS(
        test::run_on(e, test::dial_round_trip(e, "tcp://no-such-host.invalid:80", "x", bounded)),
        std::system_error);
    CHECK_THROWS_AS(test::run_on(e, test::dial_round_trip(e, "udp://127.0.0.1:9", "x", plain)),
                    std::invalid_argument);

    // A listener whose accept queue is full drops further SYNs: the connect hangs until the
    // connect timeout.
    auto full = std::make_unique<test::unaccepting_listener>();
    corio::dial_options quick;
    quick.connect_timeout = 300ms;
    auto t0 = std::chrono::steady_clock::now();
    try {
        test::run_on(e, test::dial_round_trip(e, full->url, "x", quick));
        FAIL("connect should time out");
    } catch (const std::system_error& ex) {
        CHECK(ex.code() == corio::errc::timed_out);
    }
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took >= 250ms);
    CHECK(took < 5s);
    full.reset();
    CHECK(test::eventually([&] { return e.count_connections() == 0; }));
    e.stop();
    e.wait();
}

TEST_CASE("dial: not running is a logic error") {
    corio::engine e(test::test_options(1));
    auto t = corio::dial(e, "tcp://127.0.0.1:1");
    // The coroutine starts only when awaited: drive it on a private context.
    boost::asio::io_context ctx;
    auto fut = boost::asio::co_spawn(ctx, std::move(t), boost::asio::use_future);
    ctx.run();
    CHECK_THROWS_AS(fut.get(), std::logic_error);
}

TEST_CASE("dial: from a handler onto other loops, both directions pumped through hops") {
    auto opts = test::test_options(2);
    opts.balancer = corio::round_robin();
    corio::engine e(opts);
    auto upstream_port = e.serve("tcp://127.0.0.1:0", test::echo_handler).port;
    std::atomic<int> cross_loop{0}, same_loop{0};
    // A relay: each client line goes upstream and the echo comes back, however the balancer
    // placed the upstream connection.
    auto relay_port = e.serve("tcp://127.0.0.1:0", [&](corio::connection& down) -> corio::task<> {
                           const std::string url =
                               "tcp://127.0.0.1:" + std::to_string(upstream_port);
                           auto up = co_await corio::dial(e, url);
                           // Round robin interleaves these dials with the accepts, so a dial can
                           // land on the relay's own loop: this test is about hops, so it takes the
                           // balancer's next pick.
                           for (int tries = 0; tries < 3 && &up->owner() == &down.owner(); ++tries)
                               up = co_await corio::dial(e, url);
                           (&up->owner() == &down.owner() ? same_loop : cross_loop)++;
                           while (auto line = co_await down.read_until("\n")) {
                               std::string copy(line);
                               down.discard(line.size());
                               up->write(copy);
                               co_await up->flush();
                               auto back = co_await up->next(copy.size());
                               if (!back) break;
                               down.write(back);
                               co_await down.flush();
                           }
                       }).port;
    e.start();
    std::vector<std::unique_ptr<test::client>> clients;
    for (int i = 0; i < 8; ++i) clients.push_back(std::make_unique<test::client>(relay_port));
    for (int round = 0; round < 50; ++round) {
        for (std::size_t i = 0; i < clients.size(); ++i) {
            std::string line =
                "client " + std::to_string(i) + " round " + std::to_string(round) + "\n";
            REQUIRE(clients[i]->send(line));
            REQUIRE(clients[i]->recv(line.size()) == line);
        }
    }
    CHECK(cross_loop.load() > 0);
    // 8 relays + 8 dialed + 8 upstream-side accepted.
    CHECK(e.count_connections() == 24);
    clients.clear();
    CHECK(test::eventually([&] { return e.count_connections() == 0; }));
    e.stop();
    e.wait();
}

TEST_CASE("dial: on_current_loop keeps the upstream on the caller's loop") {
    corio::engine e(test::test_options(2));
    auto upstream_port = e.serve("tcp://127.0.0.1:0", test::echo_handler).port;
    std::atomic<int> same{0}, other{0};
    auto relay_port = e.serve("tcp://127.0.0.1:0", [&](corio::connection& down) -> corio::task<> {
                           corio::dial_options o;
                           o.on_current_loop = true;
                           auto up = co_await corio::dial(
                               e, "tcp://127.0.0.1:" + std::to_string(upstream_port), o);
                           (&up->owner() == &down.owner() ? same : other)++;
                           down.write("ready\n");
                           co_await down.flush();
                           co_await down.read(); // until the client goes
                       }).port;
    e.start();
    for (int i = 0; i < 6; ++i) {
        test::client c(relay_port);
        CHECK(c.recv(6) == "ready\n");
    }
    CHECK(test::eventually([&] { return same.load() == 6; }));
    CHECK(other.load() == 0);
    e.stop();
    e.wait();
}

TEST_CASE("dial: a dialed connection dropped with a backlog still delivers it") {
    corio::engine e(test::test_options(2));
    std::atomic<std::size_t> received{0};
    auto port = e.serve("tcp://127.0.0.1:0", [&](corio::connection& c) -> corio::task<> {
                     while (auto b = co_await c.read()) {
                         received += b.size();
                         c.discard(b.size());
                     }
                 }).port;
    e.start();
    auto send_and_drop = [&]() -> corio::task<> {
        auto conn = co_await corio::dial(e, "tcp://127.0.0.1:" + std::to_string(port));
        conn->write(std::string(8 << 20, 'z')); // more than the socket takes at once
        // No flush, no close: dropping the handle flushes and closes on its loop.
    };
    test::run_on(e, send_and_drop());
    CHECK(test::eventually([&] { return received.load() == (8u << 20); }, 10000ms));
    CHECK(test::eventually([&] { return e.count_connections() == 0; }));
    e.stop();
    e.wait();
}
