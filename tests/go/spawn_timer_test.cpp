// corio::go (where it runs, its log line for an escaping exception, its cancellation at the
// engine's stop) and the timers: sleep, after, time_ticker with stop and reset.
#include "go_support.hpp"

#include <thread>

using namespace std::chrono_literals;

TEST_CASE("go: runs on the calling loop, a given loop, or the least-loaded one") {
    test::running_engine e(3);
    std::promise<std::size_t> on_given, on_current;
    corio::go(e.loop(2), [&]() -> corio::task<> {
        on_given.set_value(corio::loop::current()->index());
        corio::go([&]() -> corio::task<> { // from a loop: that loop
            on_current.set_value(corio::loop::current()->index());
            co_return;
        });
        co_return;
    });
    CHECK(on_given.get_future().get() == 2);
    CHECK(on_current.get_future().get() == 2);
    CHECK_THROWS_AS(corio::go([]() -> corio::task<> { co_return; }), std::logic_error);

    // Least loaded: loops 0 and 1 hold a blocked coroutine each, so loop 2 is picked.
    corio::chan<int> hold(0);
    auto blocked = [hold]() mutable -> corio::task<> { co_await hold.receive(); };
    corio::go(e.loop(0), blocked);
    corio::go(e.loop(1), blocked);
    for (int i = 0;
         i < 200 && (e.loop(0).goroutine_count() == 0 || e.loop(1).goroutine_count() == 0); ++i)
        std::this_thread::sleep_for(1ms);
    std::promise<std::size_t> picked;
    corio::go(e.engine, [&]() -> corio::task<> {
        picked.set_value(corio::loop::current()->index());
        co_return;
    });
    CHECK(picked.get_future().get() == 2);
    hold.close();
}

TEST_CASE("go: an escaping exception is logged with the coroutine's name") {
    test::log_lines log;
    auto o = test::go_options(1);
    o.logger = log.logger();
    {
        test::running_engine e(o);
        corio::go(e.loop(0), "payment-worker", []() -> corio::task<> {
            co_await corio::sleep(1ms);
            throw std::runtime_error("card declined");
        });
        for (int i = 0; i < 400 && !log.contains("card declined"); ++i)
            std::this_thread::sleep_for(5ms);
    }
    CHECK(log.contains("'payment-worker'"));
    CHECK(log.contains("card declined"));
}

TEST_CASE("go: the engine's stop cancels coroutines still blocked, without error lines") {
    test::log_lines log;
    auto o = test::go_options(2);
    o.logger = log.logger();
    std::atomic<int> unwound{0};
    auto t0 = std::chrono::steady_clock::now();
    {
        test::running_engine e(o);
        corio::chan<int> never(0);
        for (int i = 0; i < 10; ++i)
            corio::go(e.loop(i % 2), [never, &unwound]() mutable -> corio::task<> {
                struct count_on_exit {
                    std::atomic<int>& n;
                    ~count_on_exit() { ++n; }
                } c{unwound};
                co_await never.receive();
            });
        corio::go(e.loop(0), [&unwound]() -> corio::task<> {
            struct count_on_exit {
                std::atomic<int>& n;
                ~count_on_exit() { ++n; }
            } c{unwound};
            co_await corio::sleep(1h);
        });
        std::this_thread::sleep_for(20ms);
    }
    CHECK(unwound == 11);
    CHECK(std::chrono::steady_clock::now() - t0 < 2s); // not the shutdown timeout
    CHECK_FALSE(log.contains("ended with"));
    CHECK_FALSE(log.contains("still running"));
}

TEST_CASE("timers: sleep and after") {
    test::running_engine e(1);
    test::run_on(e.loop(0), []() -> corio::task<> {
        auto t0 = std::chrono::steady_clock::now();
        co_await corio::sleep(30ms);
        CHECK(std::chrono::steady_clock::now() - t0 >= 30ms);
        auto ch = corio::after(20ms);
        auto when = co_await ch.receive();
        REQUIRE(when.has_value());
        CHECK(*when - t0 >= 50ms);
        CHECK_FALSE(ch.try_receive().has_value()); // once
    }());
}

TEST_CASE("timers: time_ticker ticks at its period; stop and reset") {
    test::running_engine e(1);
    test::run_on(e.loop(0), []() -> corio::task<> {
        corio::time_ticker t(20ms);
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 5; ++i) {
            auto v = co_await t.c().receive();
            CHECK(v.has_value());
        }
        auto took = std::chrono::steady_clock::now() - t0;
        CHECK(took >= 90ms);
        CHECK(took < 1s);
        t.stop();
        t.c().try_receive(); // at most one tick was buffered
        auto i = co_await corio::select(corio::case_recv(t.c()), corio::case_timeout(80ms));
        CHECK(i == 1); // stopped: no tick in 80 ms
        t.reset(10ms);
        auto j = co_await corio::select(corio::case_recv(t.c()), corio::case_timeout(1s));
        CHECK(j == 0);
        // A slow reader misses ticks rather than queueing them: one is buffered at most.
        co_await corio::sleep(60ms);
        CHECK(t.c().len() <= 1);
    }());
}

TEST_CASE("engine: stop_context is canceled when the stop begins, before coroutines are") {
    std::atomic<int> heard{0};
    std::atomic<bool> aborted{false};
    {
        test::running_engine e(2);
        CHECK_FALSE(e.engine.stop_context().is_done());
        for (int i = 0; i < 4; ++i)
            corio::go(e.loop(i % 2),
                      [ctx = e.engine.stop_context(), &heard, &aborted]() -> corio::task<> {
                          try {
                              co_await ctx.wait();
                              if (ctx.err() == corio::errc::canceled) ++heard;
                          } catch (const boost::system::system_error&) {
                              aborted =
                                  true; // the engine's own cancellation came first: wrong order
                          }
                      });
        std::this_thread::sleep_for(20ms);
        CHECK(heard == 0);
    }
    CHECK(heard == 4);
    CHECK_FALSE(aborted);
}

TEST_CASE("engine: loops with idle_spin serve cross-loop channels and stop promptly") {
    auto o = test::go_options(2);
    o.idle_spin = std::chrono::microseconds(200);
    auto t0 = std::chrono::steady_clock::now();
    {
        test::running_engine e(o);
        corio::chan<int> ping(0), pong(0);
        corio::go(e.loop(1), [ping, pong]() -> corio::task<> {
            while (auto v = co_await ping.receive()) co_await pong.send(*v + 1);
        });
        int got = test::run_on(
            e.loop(0), [](corio::chan<int> ping, corio::chan<int> pong) -> corio::task<int> {
                int v = 0;
                for (int i = 0; i < 2000; ++i) {
                    co_await ping.send(v);
                    v = *co_await pong.receive();
                }
                ping.close();
                co_return v;
            }(ping, pong));
        CHECK(got == 2000);
    }
    CHECK(std::chrono::steady_clock::now() - t0 < 5s);
}
