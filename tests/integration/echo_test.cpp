// 1,000 concurrent connections echo random payloads (1 B .. 256 KiB) byte for byte, under
// each balancer, with one and several loops, plus IPv6 and reuse_port.
#include "support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cmath>
#include <random>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct echo_result {
    std::atomic<int> ok{0};
    std::atomic<int> mismatched{0};
    std::atomic<int> failed{0};
    std::atomic<std::size_t> bytes{0};
};

// Log-uniform sizes, so small and large payloads are both common.
std::string random_payload(std::mt19937_64& rng) {
    std::uniform_real_distribution<double> exponent(0.0, std::log2(256.0 * 1024));
    auto size = static_cast<std::size_t>(std::exp2(exponent(rng)));
    size = std::clamp<std::size_t>(size, 1, 256 * 1024);
    std::string s(size, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

asio::awaitable<void> one_client(tcp::endpoint ep, std::string payload, echo_result& r) {
    std::string back = co_await test::asio_round_trip(ep, payload);
    if (back.size() != payload.size())
        ++r.failed;
    else if (back != payload)
        ++r.mismatched;
    else {
        ++r.ok;
        r.bytes += back.size();
    }
}

void run_clients(std::uint16_t port, int count, std::uint64_t seed, echo_result& r,
                 const char* host = "127.0.0.1") {
    asio::io_context ctx(1);
    std::mt19937_64 rng(seed);
    tcp::endpoint ep(asio::ip::make_address(host), port);
    for (int i = 0; i < count; ++i)
        asio::co_spawn(ctx, one_client(ep, random_payload(rng), r), asio::detached);
    ctx.run_for(std::chrono::seconds(240));
}

void check_echo(corio::options opts, int count, std::uint64_t seed) {
    test::raise_fd_limit();
    opts.handle_signals = false;
    opts.logger = corio::null_logger();
    test::running_engine server(std::move(opts), test::echo_handler);
    echo_result r;
    run_clients(server.port, count, seed, r);
    CHECK(r.ok.load() == count);
    CHECK(r.mismatched.load() == 0);
    CHECK(r.failed.load() == 0);
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}

} // namespace

TEST_CASE("1000 connections echo random payloads under every balancer and loop count") {
    for (const char* name : {"least_connections", "round_robin", "source_addr_hash"}) {
        for (std::size_t loops : {1u, 4u}) {
            CAPTURE(name);
            CAPTURE(loops);
            corio::options o;
            o.loops = loops;
            o.balancer = corio::make_balancer(name);
            check_echo(o, 1000, 42 + loops);
        }
    }
}

TEST_CASE("reuse_port: one acceptor per loop echoes 1000 connections") {
    corio::options o;
    o.loops = 3;
    o.reuse_port = true;
    check_echo(o, 1000, 7);
}

TEST_CASE("IPv6 loopback echo") {
    corio::options o = test::test_options(2);
    std::unique_ptr<test::running_engine> server;
    try {
        server = std::make_unique<test::running_engine>(o, test::echo_handler, "tcp6://[::1]:0");
    } catch (const std::system_error& e) {
        MESSAGE("IPv6 loopback unavailable here: " << e.what());
        return;
    }
    echo_result r;
    run_clients(server->port, 50, 3, r, "::1");
    CHECK(r.ok.load() == 50);
}

TEST_CASE("several addresses on one engine") {
    corio::engine engine(test::test_options(2));
    auto a = engine.serve("tcp://127.0.0.1:0", test::echo_handler);
    auto b = engine.serve("tcp4://127.0.0.1:0", [](corio::connection& conn) -> corio::task<> {
        conn.write("second\n");
        co_await conn.flush();
    });
    engine.start();
    {
        test::client c1(a.port), c2(b.port);
        c1.send("ping");
        CHECK(c1.recv(4) == "ping");
        CHECK(c2.recv(7) == "second\n");
    }
    engine.stop();
    engine.wait();
}
