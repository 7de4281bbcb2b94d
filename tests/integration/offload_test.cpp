// offload: blocking calls on the worker pool from many real connections, resuming on the
// right loop; loops stay responsive while workers sleep; results, void, move-only values and
// exceptions; a full queue; offload off the loops; stopping with work in flight.
#include "support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

long long ms(clock_type::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

bool on_any_loop(corio::engine& e) {
    for (std::size_t i = 0; i < e.loop_count(); ++i)
        if (e.get_loop(i).running_in_this_thread()) return true;
    return false;
}

// Runs `t` on `ex` and waits for it (10 s at most) from the test thread.
template <class T, class Executor>
T run_on(const Executor& ex, corio::task<T> t) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    boost::asio::co_spawn(ex, std::move(t), [promise](std::exception_ptr e, auto... value) {
        if (e)
            promise->set_exception(e);
        else
            promise->set_value(std::move(value)...);
    });
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    return future.get();
}

struct square_stats {
    std::atomic<int> calls{0};
    std::atomic<int> fn_on_loop{0};    // fn ran on a loop thread (must not)
    std::atomic<int> resumed_wrong{0}; // the handler resumed off its own loop
};

// Reads numbers, one per line, and answers each with its square, computed on a worker.
corio::task<> square_server(corio::connection& conn, corio::engine& e, square_stats& st) {
    for (;;) {
        auto line = co_await conn.read_until("\n");
        if (line.empty()) break;
        long n = std::stol(std::string(line.substr(0, line.size() - 1)));
        conn.discard(line.size());
        long sq = co_await corio::offload([n, &e, &st] {
            if (on_any_loop(e)) ++st.fn_on_loop;
            std::this_thread::sleep_for(1ms);
            return n * n;
        });
        ++st.calls;
        if (!conn.owner().running_in_this_thread()) ++st.resumed_wrong;
        conn.write(std::to_string(sq) + "\n");
        auto failed = co_await conn.flush();
        if (failed) break;
    }
}

} // namespace

TEST_CASE("offload: 1,000 blocking calls from 50 connections all finish on their own loop") {
    test::raise_fd_limit();
    square_stats st;
    auto opts = test::test_options(4);
    opts.worker_threads = 8;
    corio::engine* eng = nullptr;
    test::running_engine server(opts,
                                [&](corio::connection& c) { return square_server(c, *eng, st); });
    eng = &server.engine;
    constexpr int clients = 50, calls = 20;
    std::atomic<int> good{0}, bad{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            test::client cl(server.port);
            for (int i = 0; i < calls; ++i) {
                long n = c * 1000 + i;
                std::string want = std::to_string(n * n) + "\n";
                if (!cl.send(std::to_string(n) + "\n")) {
                    ++bad;
                    return;
                }
                if (cl.recv(want.size(), 10s) == want)
                    ++good;
                else
                    ++bad;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(good.load() == clients * calls);
    CHECK(bad.load() == 0);
    CHECK(st.calls.load() == clients * calls);
    CHECK(st.fn_on_loop.load() == 0);
    CHECK(st.resumed_wrong.load() == 0);
}

TEST_CASE("offload: loops stay responsive while every worker sleeps") {
    auto opts = test::test_options(2);
    opts.worker_threads = 2;
    corio::engine engine(opts);
    engine.start();
    std::atomic<long long> worst_late_ms{0};
    std::atomic<int> ticks{0};
    std::vector<corio::ticker> tickers;
    for (std::size_t i = 0; i < engine.loop_count(); ++i) {
        auto last = std::make_shared<clock_type::time_point>(clock_type::time_point{});
        tickers.push_back(engine.every(
            10ms,
            [&, last] {
                auto now = clock_type::now();
                if (last->time_since_epoch().count() != 0) {
                    long long late = ms(now - *last) - 10;
                    long long seen = worst_late_ms.load();
                    while (late > seen && !worst_late_ms.compare_exchange_weak(seen, late)) {
                    }
                }
                *last = now;
                ++ticks;
                return corio::tick_again(10ms);
            },
            {.loop = i}));
    }
    // Eight 500 ms sleeps from each loop: the two workers are busy for 4 s.
    std::atomic<int> finished{0};
    for (std::size_t i = 0; i < engine.loop_count(); ++i) {
        for (int k = 0; k < 8; ++k) {
            boost::asio::co_spawn(
                engine.get_loop(i).get_executor(),
                [&]() -> corio::task<> {
                    co_await corio::offload([] { std::this_thread::sleep_for(500ms); });
                    ++finished;
                },
                boost::asio::detached);
        }
    }
    // Posted work runs promptly too.
    for (int round = 0; round < 10; ++round) {
        std::this_thread::sleep_for(50ms);
        for (std::size_t i = 0; i < engine.loop_count(); ++i) {
            auto posted = clock_type::now();
            std::promise<long long> took;
            auto f = took.get_future();
            engine.get_loop(i).post(
                [&, posted] { took.set_value(ms(clock_type::now() - posted)); });
            REQUIRE(f.wait_for(2s) == std::future_status::ready);
            CHECK(f.get() < 100);
        }
    }
    int seen_ticks = ticks.load();
    CHECK(finished.load() <= 4); // the workers really are busy
    CHECK(seen_ticks >= 40);
    // A loop blocked by a 500 ms sleep would be ~500 ms late.
    CHECK(worst_late_ms.load() < 100);
    auto stopping = clock_type::now();
    engine.stop();
    engine.wait();
    for (auto& t : tickers) t.cancel();
    CHECK(ms(clock_type::now() - stopping) < 2000);
}

TEST_CASE("offload: values, move-only values, void, and exceptions come back to the caller") {
    corio::engine engine(test::test_options(2));
    engine.start();
    auto& lp = engine.get_loop(1);
    int v = run_on(lp.get_executor(), [&]() -> corio::task<int> {
        int x = co_await corio::offload([] { return 6 * 7; });
        CHECK(lp.running_in_this_thread());
        co_return x;
    }());
    CHECK(v == 42);

    auto p = run_on(lp.get_executor(), []() -> corio::task<std::unique_ptr<std::string>> {
        co_return co_await corio::offload([] { return std::make_unique<std::string>("moved"); });
    }());
    REQUIRE(p);
    CHECK(*p == "moved");

    std::atomic<bool> ran{false};
    bool resumed_on_loop = run_on(lp.get_executor(), [&]() -> corio::task<bool> {
        co_await corio::offload([&] { ran = true; });
        co_return lp.running_in_this_thread();
    }());
    CHECK(ran.load());
    CHECK(resumed_on_loop);

    std::string caught = run_on(lp.get_executor(), [&]() -> corio::task<std::string> {
        try {
            co_await corio::offload([]() -> int { throw std::runtime_error("worker boom"); });
        } catch (const std::runtime_error& e) {
            co_return std::string(e.what()) + (lp.running_in_this_thread() ? " on loop" : "");
        }
        co_return "nothing thrown";
    }());
    CHECK(caught == "worker boom on loop");
    engine.stop();
    engine.wait();
}

TEST_CASE("offload: a full queue is errc::queue_full at once, never a deadlock") {
    auto opts = test::test_options(1);
    opts.worker_threads = 1;
    opts.worker_queue_limit = 2;
    corio::engine engine(opts);
    engine.start();
    auto ex = engine.get_loop(0).get_executor();
    std::atomic<bool> release{false};
    std::atomic<int> started{0}, done{0};
    auto blocker = [&] {
        ++started;
        while (!release.load()) std::this_thread::sleep_for(1ms);
        return 1;
    };
    auto spawn = [&] {
        boost::asio::co_spawn(
            ex, [&]() -> corio::task<> { done += co_await corio::offload(blocker); },
            boost::asio::detached);
    };
    spawn();
    REQUIRE(test::eventually([&] { return started.load() == 1; })); // the worker is busy
    spawn();
    spawn(); // two waiting: the queue is full
    std::this_thread::sleep_for(20ms);
    auto t0 = clock_type::now();
    std::error_code code = run_on(ex, [&]() -> corio::task<std::error_code> {
        try {
            co_await corio::offload([] { return 0; });
        } catch (const std::system_error& e) {
            co_return e.code();
        }
        co_return std::error_code{};
    }());
    CHECK(code == corio::errc::queue_full);
    CHECK(ms(clock_type::now() - t0) < 1000);
    release = true;
    REQUIRE(test::eventually([&] { return done.load() == 3; }));
    // Room again.
    int again = run_on(
        ex, []() -> corio::task<int> { co_return co_await corio::offload([] { return 5; }); }());
    CHECK(again == 5);
    engine.stop();
    engine.wait();
}

TEST_CASE("offload: off the loops it needs the engine; offload(engine, fn) resumes there") {
    corio::engine engine(test::test_options(1));
    engine.start();
    boost::asio::io_context own;
    auto work = boost::asio::make_work_guard(own);
    std::thread runner([&] { own.run(); });
    bool logic_error = run_on(own.get_executor(), []() -> corio::task<bool> {
        try {
            co_await corio::offload([] { return 1; });
        } catch (const std::logic_error&) {
            co_return true;
        }
        co_return false;
    }());
    CHECK(logic_error);
    auto [value, resumed_here] =
        run_on(own.get_executor(), [&]() -> corio::task<std::pair<int, bool>> {
            int v = co_await corio::offload(engine, [] { return 9; });
            co_return std::pair{v, own.get_executor().running_in_this_thread()};
        }());
    CHECK(value == 9);
    CHECK(resumed_here);
    work.reset();
    runner.join();
    engine.stop();
    engine.wait();
}

TEST_CASE("offload: bad worker options are refused") {
    auto opts = test::test_options(1);
    opts.worker_threads = 0;
    CHECK_THROWS_AS(corio::engine{opts}, std::invalid_argument);
    opts = test::test_options(1);
    opts.worker_queue_limit = 0;
    CHECK_THROWS_AS(corio::engine{opts}, std::invalid_argument);
}

TEST_CASE("offload: stopping the engine with work in flight does not hang") {
    test::log_capture logs;
    auto opts = test::test_options(2, &logs);
    opts.worker_threads = 1;
    opts.shutdown_timeout = 200ms;
    std::atomic<int> ran{0}, answered{0};
    std::atomic<int> handlers_in{0};
    auto started = clock_type::now();
    {
        corio::engine engine(opts);
        auto info =
            engine.serve("tcp://127.0.0.1:0", [&](corio::connection& conn) -> corio::task<> {
                auto b = co_await conn.read();
                if (!b) co_return;
                ++handlers_in;
                co_await corio::offload([&] {
                    std::this_thread::sleep_for(300ms);
                    ++ran;
                });
                ++answered;
                conn.write("done");
                co_await conn.flush();
            });
        engine.start();
        std::vector<std::unique_ptr<test::client>> clients;
        for (int i = 0; i < 10; ++i) {
            clients.push_back(std::make_unique<test::client>(info.port));
            clients.back()->send("go");
        }
        REQUIRE(test::eventually([&] { return handlers_in.load() == 10; }));
        started = clock_type::now();
        engine.stop();
        engine.wait();
    } // destroyed: queued calls are dropped, the running one finishes
    auto took = clock_type::now() - started;
    CHECK(ms(took) < 3000);
    CHECK(ran.load() < 10);
    CHECK(answered.load() <= ran.load());
}
