// Tickers: counts in a window, the next delay chosen by the callback, stop and cancel, the
// chosen loop, coroutine ticks, exceptions, and how tickers end with the engine.
#include "support.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

// An engine started at construction and stopped at destruction, with no listener.
struct started_engine {
    corio::engine engine;
    explicit started_engine(corio::options opts) : engine(std::move(opts)) { engine.start(); }
    ~started_engine() {
        engine.stop();
        engine.wait();
    }
};

long long ms(clock_type::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

} // namespace

TEST_CASE("ticker: a void callback fires about window/interval times") {
    started_engine e(test::test_options(2));
    std::atomic<int> n{0};
    auto t = e.engine.every(20ms, [&] { ++n; });
    CHECK(t.active());
    std::this_thread::sleep_for(500ms);
    int got = n.load();
    t.cancel();
    // 500 ms / 20 ms = 25 at most (each delay counts from the end of the previous tick).
    CHECK(got >= 12);
    CHECK(got <= 25);
    CHECK(t.ticks() >= static_cast<std::uint64_t>(got));
}

TEST_CASE("ticker: the delay returned by the callback is honoured") {
    started_engine e(test::test_options(1));
    std::mutex mutex;
    std::vector<clock_type::time_point> times;
    auto t = e.engine.every(5ms, [&]() -> corio::tick {
        std::lock_guard lock(mutex);
        times.push_back(clock_type::now());
        return corio::tick_again(times.size() < 5 ? 5ms : 100ms);
    });
    std::this_thread::sleep_for(700ms);
    t.cancel();
    std::lock_guard lock(mutex);
    REQUIRE(times.size() >= 7);
    // Kept at 5 ms this would be over 100 ticks; at 100 ms after the fifth, about 11.
    CHECK(times.size() <= 12);
    for (std::size_t i = 1; i < 5; ++i) CHECK(ms(times[i] - times[i - 1]) < 80);
    for (std::size_t i = 5; i < times.size(); ++i) CHECK(ms(times[i] - times[i - 1]) >= 99);
}

TEST_CASE("ticker: stop_ticking() ends the ticker") {
    started_engine e(test::test_options(1));
    std::atomic<int> n{0};
    auto t =
        e.engine.every(2ms, [&] { return ++n == 3 ? corio::stop_ticking() : corio::tick{2ms}; });
    REQUIRE(test::eventually([&] { return !t.active(); }));
    std::this_thread::sleep_for(100ms);
    CHECK(n.load() == 3);
    CHECK(t.ticks() == 3);
}

TEST_CASE("ticker: cancel from another thread stops it; cancel is idempotent") {
    started_engine e(test::test_options(2));
    std::atomic<int> n{0};
    auto t = e.engine.every(1ms, [&] { ++n; });
    REQUIRE(test::eventually([&] { return n.load() >= 5; }));
    int at_cancel = 0;
    corio::ticker copy = t;
    std::thread([&] {
        copy.cancel();
        at_cancel = n.load();
    }).join();
    CHECK_FALSE(t.active());
    std::this_thread::sleep_for(60ms);
    // A tick already starting on the loop when cancel() ran may still finish.
    CHECK(n.load() <= at_cancel + 1);
    t.cancel();
    copy.cancel();
    corio::ticker empty;
    empty.cancel();
    CHECK_FALSE(empty.active());
    CHECK(empty.ticks() == 0);
}

TEST_CASE("ticker: cancel from inside the callback is exact") {
    started_engine e(test::test_options(1));
    std::atomic<int> n{0};
    corio::ticker t;
    std::mutex mutex;
    std::unique_lock hold(mutex); // the first tick waits until t is assigned
    t = e.engine.every(1ms, [&] {
        std::lock_guard lock(mutex);
        if (++n == 4) t.cancel();
    });
    hold.unlock();
    REQUIRE(test::eventually([&] { return n.load() >= 4; }));
    std::this_thread::sleep_for(50ms);
    CHECK(n.load() == 4);
    CHECK_FALSE(t.active());
}

TEST_CASE("ticker: runs on the chosen loop's thread (loop 0 by default)") {
    started_engine e(test::test_options(3));
    std::atomic<int> on_chosen{0}, elsewhere{0}, on_zero{0};
    auto t2 = e.engine.every(2ms,
                             [&] {
                                 if (e.engine.get_loop(2).running_in_this_thread() &&
                                     !e.engine.get_loop(0).running_in_this_thread() &&
                                     !e.engine.get_loop(1).running_in_this_thread())
                                     ++on_chosen;
                                 else
                                     ++elsewhere;
                             },
                             {.loop = 2});
    auto t0 =
        e.engine.every(2ms, [&] { on_zero += e.engine.get_loop(0).running_in_this_thread(); });
    REQUIRE(test::eventually([&] { return on_chosen.load() >= 5 && on_zero.load() >= 5; }));
    t2.cancel();
    t0.cancel();
    CHECK(elsewhere.load() == 0);
    CHECK(on_zero.load() == static_cast<int>(t0.ticks()));
    CHECK_THROWS_AS(e.engine.every(2ms, [] {}, {.loop = 3}), std::invalid_argument);
    CHECK_THROWS_AS(e.engine.every(0ms, [] {}), std::invalid_argument);
}

TEST_CASE("ticker: the first tick comes after the interval, or at once when immediate") {
    started_engine e(test::test_options(1));
    std::atomic<int> late{0}, now{0};
    auto started = clock_type::now();
    std::atomic<long long> first_late_ms{-1}, first_now_ms{-1};
    auto a = e.engine.every(150ms, [&] {
        if (late++ == 0) first_late_ms = ms(clock_type::now() - started);
    });
    auto b = e.engine.every(10s,
                            [&] {
                                if (now++ == 0) first_now_ms = ms(clock_type::now() - started);
                            },
                            {.immediate = true});
    REQUIRE(test::eventually([&] { return late.load() >= 1 && now.load() >= 1; }));
    CHECK(first_late_ms.load() >= 149);
    CHECK(first_now_ms.load() < 100);
    std::this_thread::sleep_for(50ms);
    CHECK(now.load() == 1); // the next one is 10 s away
}

TEST_CASE("ticker: coroutine ticks are awaited and never overlap") {
    started_engine e(test::test_options(1));
    std::atomic<int> n{0}, overlaps{0}, repeats{0};
    std::atomic<bool> in_tick{false};
    auto t = e.engine.every(1ms, [&]() -> corio::task<corio::tick> {
        if (in_tick.exchange(true)) ++overlaps;
        boost::asio::steady_timer timer(e.engine.get_loop(0).get_executor(), 15ms);
        co_await timer.async_wait(boost::asio::use_awaitable);
        in_tick = false;
        ++n;
        co_return corio::tick_again(1ms);
    });
    auto r = e.engine.every(20ms, [&]() -> corio::task<> {
        ++repeats;
        co_return;
    });
    std::this_thread::sleep_for(400ms);
    t.cancel();
    r.cancel();
    CHECK(overlaps.load() == 0);
    // Each tick takes >= 16 ms: at most 25 in 400 ms.
    CHECK(n.load() >= 8);
    CHECK(n.load() <= 25);
    CHECK(repeats.load() >= 8);
    CHECK(repeats.load() <= 20);
}

TEST_CASE("ticker: an exception is logged and stops that ticker only") {
    test::log_capture logs;
    started_engine e(test::test_options(1, &logs));
    std::atomic<int> n{0}, other{0};
    auto t = e.engine.every(2ms, [&] {
        if (++n == 2) throw std::runtime_error("tick boom");
    });
    auto keep = e.engine.every(2ms, [&] { ++other; });
    REQUIRE(test::eventually([&] { return !t.active(); }));
    int other_then = other.load();
    std::this_thread::sleep_for(50ms);
    CHECK(n.load() == 2);
    CHECK(logs.count_containing("ticker on loop 0 threw: tick boom") == 1);
    CHECK(keep.active());
    CHECK(other.load() > other_then);
}

TEST_CASE("ticker: made before start it begins at start; engine stop ends it before "
          "on_shutdown") {
    auto opts = test::test_options(2);
    std::atomic<bool> shut{false};
    std::atomic<int> n{0}, after_shutdown{0};
    opts.on_shutdown = [&](corio::engine&) { shut = true; };
    corio::engine engine(opts);
    auto t = engine.every(5ms,
                          [&] {
                              ++n;
                              if (shut.load()) ++after_shutdown;
                          },
                          {.loop = 1});
    CHECK(t.active());
    std::this_thread::sleep_for(60ms);
    CHECK(n.load() == 0);
    engine.start();
    REQUIRE(test::eventually([&] { return n.load() >= 3; }));
    engine.stop();
    int at_stop = n.load();
    CHECK_FALSE(t.active());
    engine.wait();
    CHECK(shut.load());
    CHECK(after_shutdown.load() == 0);
    CHECK(n.load() <= at_stop + 1);
    // Made once the engine stopped: never ticks.
    std::atomic<int> never{0};
    auto late = engine.every(1ms, [&] { ++never; });
    CHECK_FALSE(late.active());
    std::this_thread::sleep_for(30ms);
    CHECK(never.load() == 0);
    CHECK(n.load() <= at_stop + 1);
}

TEST_CASE("ticker: stop waits for a coroutine tick in flight before on_shutdown") {
    auto opts = test::test_options(1);
    std::atomic<bool> tick_done{false}, done_at_shutdown{false};
    std::atomic<int> started{0};
    opts.on_shutdown = [&](corio::engine&) { done_at_shutdown = tick_done.load(); };
    corio::engine engine(opts);
    auto t = engine.every(1ms, [&]() -> corio::task<corio::tick> {
        ++started;
        boost::asio::steady_timer timer(engine.get_loop(0).get_executor(), 150ms);
        co_await timer.async_wait(boost::asio::use_awaitable);
        tick_done = true;
        co_return corio::tick_again(1ms);
    });
    engine.start();
    REQUIRE(test::eventually([&] { return started.load() == 1; }));
    engine.stop();
    engine.wait();
    CHECK(done_at_shutdown.load());
    CHECK(started.load() == 1);
}

TEST_CASE("ticker: a handle outlives its engine; a never-started engine drops its tickers") {
    corio::ticker t;
    std::atomic<int> n{0};
    {
        corio::engine engine(test::test_options(1));
        t = engine.every(1ms, [&] { ++n; });
        CHECK(t.active());
    }
    CHECK_FALSE(t.active());
    t.cancel();
    CHECK(n.load() == 0);
    {
        started_engine e(test::test_options(1));
        t = e.engine.every(1ms, [&] { ++n; });
        REQUIRE(test::eventually([&] { return n.load() > 0; }));
    }
    CHECK_FALSE(t.active());
    t.cancel();
}
