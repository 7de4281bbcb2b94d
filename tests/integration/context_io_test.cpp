// A corio::context reaching I/O: a pending read (read, peek, next) ends with the context's
// error and the connection stays usable; a flush waiting on a slow peer returns; a dial to a
// listener that never accepts gives up; an offload call stops being awaited.
#include "support.hpp"

#include <atomic>
#include <future>
#include <thread>

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct read_outcome {
    std::size_t size = 0;
    std::error_code error;
    clock_type::duration waited{};
};

} // namespace

TEST_CASE("context: cancel from another thread ends a pending read; the connection lives on") {
    auto [ctx, cancel] = corio::with_cancel(corio::context());
    std::promise<read_outcome> first;
    std::promise<std::string> second;
    test::running_engine e(
        test::test_options(2), [&, ctx = ctx](corio::connection& conn) -> corio::task<> {
            auto t0 = clock_type::now();
            auto b = co_await conn.read(ctx);
            first.set_value({b.size(), conn.error(), clock_type::now() - t0});
            auto again = co_await conn.read(); // the error was for that read only
            second.set_value(std::string(again));
            co_await conn.flush(again);
        });
    test::client c(e.port);
    std::this_thread::sleep_for(50ms);
    std::thread([c2 = cancel] { c2(); }).join();
    auto f = first.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    auto r = f.get();
    CHECK(r.size == 0);
    CHECK(r.error == corio::errc::canceled);
    CHECK(r.waited >= 40ms);
    CHECK(c.send("ping"));
    auto s = second.get_future();
    REQUIRE(s.wait_for(5s) == std::future_status::ready);
    CHECK(s.get() == "ping");
    CHECK(c.recv(4) == "ping");
}

TEST_CASE("context: a deadline ends peek and next; a done context fails a read at once") {
    std::promise<std::string> report;
    test::running_engine e(test::test_options(1), [&](corio::connection& conn) -> corio::task<> {
        std::string out;
        auto [slow, cancel_slow] = corio::with_timeout(corio::context(), 60ms);
        auto t0 = clock_type::now();
        auto p = co_await conn.peek(10, slow); // 3 of 10 bytes arrive
        auto waited = clock_type::now() - t0;
        // Empty, as a failed peek is; the 3 bytes stay buffered.
        out += std::to_string(p.size()) + " " + std::to_string(conn.inbound_buffered()) + " " +
               conn.error().message() + " " +
               (waited >= 50ms && waited < 3s ? "timed" : "untimed") + "|";
        auto [done, cancel_done] = corio::with_cancel(corio::context());
        cancel_done();
        auto n = co_await conn.next(3, done); // done already: nothing, even with 3 bytes there
        out += std::to_string(n.size()) + " " + conn.error().message() + "|";
        auto [fresh, cancel_fresh] = corio::with_timeout(corio::context(), 5s);
        auto m = co_await conn.next(3, fresh);
        out += std::string(m) + "|" + std::to_string(conn.inbound_buffered());
        cancel_slow();
        cancel_fresh();
        report.set_value(out);
    });
    test::client c(e.port);
    CHECK(c.send("abc"));
    auto f = report.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK(f.get() == "0 3 context deadline exceeded timed|0 context canceled|abc|0");
}

TEST_CASE("context: a flush waiting on a reader that does not read returns at the deadline") {
    std::promise<std::pair<std::error_code, bool>> report;
    auto opts = test::test_options(1);
    opts.outbound_high_water = 64 * 1024;
    opts.socket_send_buffer = 64 * 1024;
    test::running_engine e(opts, [&](corio::connection& conn) -> corio::task<> {
        std::string chunk(1 << 20, 'x');
        auto [ctx, cancel] = corio::with_timeout(corio::context(), 200ms);
        std::error_code ec;
        auto t0 = clock_type::now();
        for (int i = 0; i < 64 && !ec; ++i) {
            conn.write(chunk);
            ec = co_await conn.flush(ctx);
        }
        auto took = clock_type::now() - t0;
        cancel();
        report.set_value({ec, took >= 150ms && took < 5s});
    });
    test::client c(e.port); // never reads
    auto f = report.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    auto [ec, timed] = f.get();
    CHECK(ec == corio::errc::deadline_exceeded);
    CHECK(timed);
}

TEST_CASE("context: dial gives up on a listener that never accepts") {
    corio::engine e(test::test_options(2));
    e.start();
    test::unaccepting_listener full; // a connect to it hangs
    std::string url = full.url;

    auto attempt = [&](corio::context ctx) {
        std::promise<std::error_code> outcome;
        auto t0 = clock_type::now();
        corio::co_spawn(
            e.get_loop(0).get_executor(),
            [](corio::engine& e, std::string url, corio::context ctx,
               std::promise<std::error_code>& out) -> corio::task<> {
                try {
                    auto conn = co_await corio::dial(e, url, ctx);
                    out.set_value({});
                } catch (const std::system_error& ex) {
                    out.set_value(ex.code());
                }
            }(e, url, ctx, outcome),
            corio::detached);
        auto f = outcome.get_future();
        REQUIRE(f.wait_for(8s) == std::future_status::ready); // connect_timeout is 10 s
        return std::make_pair(f.get(), clock_type::now() - t0);
    };
    // By deadline.
    auto [by_time, cancel_time] = corio::with_timeout(corio::context(), 100ms);
    auto [ec1, took1] = attempt(by_time);
    CHECK(ec1 == corio::errc::deadline_exceeded);
    CHECK(took1 < 3s);
    // By cancel from another thread.
    auto [by_hand, cancel_hand] = corio::with_cancel(corio::context());
    std::thread later([c = cancel_hand] {
        std::this_thread::sleep_for(80ms);
        c();
    });
    auto [ec2, took2] = attempt(by_hand);
    later.join();
    CHECK(ec2 == corio::errc::canceled);
    CHECK(took2 >= 60ms);
    CHECK(took2 < 3s);
    cancel_time();
    CHECK(test::eventually([&] { return e.count_connections() == 0; }));
    e.stop();
    e.wait();
}

TEST_CASE("context: an offload call stops being awaited once the context is done") {
    corio::engine e(test::test_options(1));
    e.start();
    std::atomic<bool> call_finished{false};
    std::promise<std::pair<std::error_code, clock_type::duration>> outcome;
    corio::co_spawn(
        e.get_loop(0).get_executor(),
        [](std::atomic<bool>& finished,
           std::promise<std::pair<std::error_code, clock_type::duration>>& out) -> corio::task<> {
            auto [ctx, cancel] = corio::with_timeout(corio::context(), 50ms);
            auto t0 = clock_type::now();
            std::error_code ec;
            try {
                auto slow = [&finished] {
                    std::this_thread::sleep_for(400ms);
                    finished = true;
                    return 1;
                };
                int v = co_await corio::offload(ctx, slow);
                (void)v;
            } catch (const std::system_error& ex) {
                ec = ex.code();
            }
            out.set_value({ec, clock_type::now() - t0});
            // And with a context that stays alive, the value comes through.
            auto [ok_ctx, cancel_ok] = corio::with_cancel(corio::context());
            auto quick = [] { return 42; };
            int got = co_await corio::offload(ok_ctx, quick);
            CHECK(got == 42);
            cancel();
            cancel_ok();
        }(call_finished, outcome),
        corio::detached);
    auto f = outcome.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    auto [ec, took] = f.get();
    CHECK(ec == corio::errc::deadline_exceeded);
    CHECK(took < 300ms);
    CHECK(test::eventually([&] { return call_finished.load(); }));
    e.stop();
    e.wait();
}
