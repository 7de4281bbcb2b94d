// select: the ready case is chosen, fairness between ready cases over many rounds, default,
// timeout and context cases, send cases, and no value lost or doubled when many selects
// race for the same channels from several loops.
#include "go_support.hpp"

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST_CASE("select: picks the ready case and receives its value") {
    test::running_engine e(1);
    test::run_on(e.loop(0), []() -> corio::task<> {
        corio::chan<int> a(1), b(1);
        REQUIRE(b.try_send(42));
        std::optional<int> va, vb;
        auto i = co_await corio::select(corio::case_recv(a, va), corio::case_recv(b, vb));
        CHECK(i == 1);
        CHECK(vb == 42);
        CHECK_FALSE(va.has_value());
        // A send case on a channel with room.
        auto j = co_await corio::select(corio::case_recv(a, va), corio::case_send(a, 5));
        CHECK(j == 1);
        CHECK(a.try_receive() == 5);
        // A closed channel's receive is ready, with nothing.
        a.close();
        auto k = co_await corio::select(corio::case_recv(a, va), corio::case_timeout(5s));
        CHECK(k == 0);
        CHECK_FALSE(va.has_value());
    }());
}

TEST_CASE("select: ready cases are chosen fairly") {
    test::running_engine e(1);
    test::run_on(e.loop(0), []() -> corio::task<> {
        corio::chan<int> a(1), b(1), c(1);
        int counts[3] = {0, 0, 0};
        constexpr int rounds = 30000;
        for (int r = 0; r < rounds; ++r) {
            a.try_send(1);
            b.try_send(2);
            c.try_send(3);
            auto i = co_await corio::select(corio::case_recv(a), corio::case_recv(b),
                                            corio::case_recv(c));
            ++counts[i];
        }
        // Each about a third (10000): a biased pick would be far outside 9000..11000.
        for (int n : counts) {
            CHECK(n > 9000);
            CHECK(n < 11000);
        }
    }());
}

TEST_CASE("select: default when nothing is ready; timeout; nil channels never chosen") {
    test::running_engine e(1);
    test::run_on(e.loop(0), []() -> corio::task<> {
        corio::chan<int> a(0), nil;
        auto i = co_await corio::select(corio::case_recv(a), corio::case_default());
        CHECK(i == 1);
        auto t0 = std::chrono::steady_clock::now();
        auto j = co_await corio::select(corio::case_recv(a), corio::case_recv(nil),
                                        corio::case_timeout(50ms));
        auto waited = std::chrono::steady_clock::now() - t0;
        CHECK(j == 2);
        CHECK(waited >= 50ms);
        CHECK(waited < 2s);
        // The earliest of two timeouts wins.
        auto k = co_await corio::select(corio::case_timeout(2s), corio::case_timeout(10ms));
        CHECK(k == 1);
        // After a timeout nothing stays queued on the channel.
        CHECK_FALSE(a.try_send(1));
    }());
}

TEST_CASE("select: a value sent while it waits wakes it; a context's done wins when canceled") {
    test::running_engine e(2);
    corio::chan<std::string> ch(0);
    auto [ctx, cancel] = corio::with_cancel(corio::context());
    corio::go(e.loop(1), [ch]() mutable -> corio::task<> {
        co_await corio::sleep(20ms);
        co_await ch.send("hello");
    });
    auto got = test::run_on(
        e.loop(0), [](corio::chan<std::string> ch, corio::context ctx) -> corio::task<std::string> {
            std::optional<std::string> v;
            auto i = co_await corio::select(corio::case_recv(ch, v), corio::case_done(ctx));
            co_return i == 0 && v ? *v : std::string("done");
        }(ch, ctx));
    CHECK(got == "hello");
    std::thread canceler([c = cancel] {
        std::this_thread::sleep_for(20ms);
        c();
    });
    auto second = test::run_on(
        e.loop(0), [](corio::chan<std::string> ch, corio::context ctx) -> corio::task<std::size_t> {
            co_return co_await corio::select(corio::case_recv(ch), corio::case_done(ctx));
        }(ch, ctx));
    canceler.join();
    CHECK(second == 1);
    CHECK(ctx.err() == corio::errc::canceled);
}

TEST_CASE("select: a chosen send on a closed channel throws channel_closed") {
    test::running_engine e(1);
    test::run_on(e.loop(0), []() -> corio::task<> {
        corio::chan<int> a(0);
        a.close();
        bool threw = false;
        try {
            co_await corio::select(corio::case_send(a, 1), corio::case_timeout(1s));
        } catch (const std::system_error& err) {
            threw = err.code() == corio::errc::channel_closed;
        }
        CHECK(threw);
    }());
}

TEST_CASE("select: selects racing on shared channels from 4 loops lose and double nothing") {
    test::running_engine e(4);
    constexpr int per_channel = 20000, consumers = 6;
    corio::chan<int> a(0), b(8);
    std::vector<std::atomic<int>> seen(2 * per_channel);
    std::atomic<int> done_consumers{0}, closed_channels{0};
    corio::go(e.loop(0), [a]() mutable -> corio::task<> {
        for (int i = 0; i < per_channel; ++i) co_await a.send(i);
        a.close();
    });
    corio::go(e.loop(1), [b]() mutable -> corio::task<> {
        for (int i = 0; i < per_channel; ++i) co_await b.send(per_channel + i);
        b.close();
    });
    for (int c = 0; c < consumers; ++c)
        corio::go(e.loop(c % 4), [a, b, &seen, &done_consumers]() -> corio::task<> {
            corio::chan<int> x = a, y = b; // set to nil once closed, as Go code does
            while (x || y) {
                std::optional<int> vx, vy;
                auto i = co_await corio::select(corio::case_recv(x, vx), corio::case_recv(y, vy),
                                                corio::case_timeout(10s));
                if (i == 2) break; // stuck: the counts below fail
                auto& v = i == 0 ? vx : vy;
                if (!v) {
                    (i == 0 ? x : y) = corio::chan<int>();
                    continue;
                }
                seen[*v].fetch_add(1);
            }
            ++done_consumers;
        });
    for (int i = 0; i < 4000 && done_consumers < consumers; ++i) std::this_thread::sleep_for(5ms);
    REQUIRE(done_consumers == consumers);
    int once = 0, other = 0;
    for (auto& s : seen) (s.load() == 1 ? once : other)++;
    CHECK(once == 2 * per_channel);
    CHECK(other == 0);
    (void)closed_channels;
}

TEST_CASE("select: a select with a send and a receive pairs with a peer doing the same") {
    test::running_engine e(2);
    // Two coroutines exchange through two unbuffered channels, each selecting over its send
    // and its receive: every round one of them sends and the other receives.
    corio::chan<int> left(0), right(0);
    std::atomic<int> received{0};
    auto side = [&received](corio::chan<int> out, corio::chan<int> in) -> corio::task<> {
        for (int n = 0; n < 2000; ++n) {
            auto i = co_await corio::select(corio::case_send(out, n), corio::case_recv(in),
                                            corio::case_timeout(5s));
            if (i == 2) co_return;
            if (i == 1) ++received;
        }
    };
    std::promise<void> p1, p2;
    corio::co_spawn(e.loop(0).get_executor(), side(left, right),
                    [&](std::exception_ptr) { p1.set_value(); });
    corio::co_spawn(e.loop(1).get_executor(), side(right, left),
                    [&](std::exception_ptr) { p2.set_value(); });
    // Each round pairs one side's send with the other's receive, so after both ran 2000
    // rounds, 2000 values were received in all.
    REQUIRE(p1.get_future().wait_for(20s) == std::future_status::ready);
    REQUIRE(p2.get_future().wait_for(20s) == std::future_status::ready);
    CHECK(received == 2000);
}
