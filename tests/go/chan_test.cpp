// Channels: order, buffered capacity, close semantics, many producers and consumers on
// different loops (counted: nothing lost, nothing twice), cancellation of a blocked send or
// receive, and destruction with waiters.
#include "go_support.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST_CASE("chan: a buffered channel keeps order and its capacity") {
    corio::chan<int> ch(3);
    CHECK(ch.cap() == 3);
    CHECK(ch.len() == 0);
    CHECK(ch.try_send(1));
    CHECK(ch.try_send(2));
    CHECK(ch.try_send(3));
    CHECK_FALSE(ch.try_send(4)); // full
    CHECK(ch.len() == 3);
    CHECK(ch.try_receive() == 1);
    CHECK(ch.try_send(5));
    CHECK(ch.try_receive() == 2);
    CHECK(ch.try_receive() == 3);
    CHECK(ch.try_receive() == 5);
    CHECK_FALSE(ch.try_receive().has_value());
    CHECK(ch.len() == 0);
}

TEST_CASE("chan: unbuffered send waits for a receiver, in order, across loops") {
    test::running_engine e(2);
    corio::chan<int> ch(0);
    CHECK_FALSE(ch.try_send(1)); // nobody receives
    std::atomic<int> sent_before_received{0};
    corio::go(e.loop(1), [ch]() mutable -> corio::task<> {
        for (int i = 0; i < 1000; ++i) co_await ch.send(i);
        ch.close();
    });
    auto got = test::run_on(e.loop(0), [](corio::chan<int> ch) -> corio::task<std::vector<int>> {
        std::vector<int> out;
        while (auto v = co_await ch.receive()) out.push_back(*v);
        co_return out;
    }(ch));
    REQUIRE(got.size() == 1000);
    for (int i = 0; i < 1000; ++i) CHECK(got[i] == i);
    (void)sent_before_received;
}

TEST_CASE("chan: close lets receivers drain, then reports closed; sends and closes throw") {
    test::running_engine e(1);
    corio::chan<std::string> ch(4);
    test::run_on(e.loop(0), [](corio::chan<std::string> ch) -> corio::task<> {
        co_await ch.send("a");
        co_await ch.send("b");
        ch.close();
        CHECK(ch.is_closed());
        CHECK_FALSE(ch.closed_and_drained());
        CHECK_THROWS_AS(ch.close(), std::system_error);
        CHECK_FALSE(ch.close_if_open());
        bool threw = false;
        try {
            co_await ch.send("c");
        } catch (const std::system_error& err) {
            threw = err.code() == corio::errc::channel_closed;
        }
        CHECK(threw);
        CHECK_THROWS_AS(ch.try_send(std::string("d")), std::system_error);
        auto a = co_await ch.receive();
        auto b = co_await ch.receive();
        auto end = co_await ch.receive();
        CHECK(a == "a");
        CHECK(b == "b");
        CHECK_FALSE(end.has_value());
        CHECK(ch.closed_and_drained());
        auto again = co_await ch.receive();
        CHECK_FALSE(again.has_value());
    }(ch));
}

TEST_CASE("chan: close wakes blocked receivers and senders") {
    test::running_engine e(2);
    corio::chan<int> empty(0), full(1);
    REQUIRE(full.try_send(1));
    std::atomic<int> receivers_woken{0}, senders_failed{0};
    for (int i = 0; i < 3; ++i) {
        corio::go(e.loop(i % 2), [empty, &receivers_woken]() mutable -> corio::task<> {
            auto v = co_await empty.receive();
            if (!v) ++receivers_woken;
        });
        corio::go(e.loop(i % 2), [full, &senders_failed]() mutable -> corio::task<> {
            try {
                co_await full.send(2);
            } catch (const std::system_error& err) {
                if (err.code() == corio::errc::channel_closed) ++senders_failed;
            }
        });
    }
    std::this_thread::sleep_for(50ms); // let them block
    empty.close();
    full.close();
    for (int i = 0; i < 200 && (receivers_woken < 3 || senders_failed < 3); ++i)
        std::this_thread::sleep_for(5ms);
    CHECK(receivers_woken == 3);
    CHECK(senders_failed == 3);
    CHECK(full.try_receive() == 1); // the buffered value is still there after close
}

TEST_CASE("chan: 8 producers and 8 consumers on 4 loops: every value exactly once") {
    test::running_engine e(4);
    constexpr int producers = 8, consumers = 8, per_producer = 20000;
    for (std::size_t cap : {std::size_t{0}, std::size_t{64}}) {
        CAPTURE(cap);
        corio::chan<int> ch(cap);
        std::vector<std::atomic<int>> seen(producers * per_producer);
        std::atomic<int> producers_left{producers}, consumers_done{0};
        for (int p = 0; p < producers; ++p)
            corio::go(e.loop(p % 4), [ch, p, &producers_left]() mutable -> corio::task<> {
                for (int i = 0; i < per_producer; ++i) co_await ch.send(p * per_producer + i);
                if (--producers_left == 0) ch.close();
            });
        for (int c = 0; c < consumers; ++c)
            corio::go(e.loop((c + 1) % 4), [ch, &seen, &consumers_done]() mutable -> corio::task<> {
                while (auto v = co_await ch.receive()) seen[*v].fetch_add(1);
                ++consumers_done;
            });
        for (int i = 0; i < 4000 && consumers_done < consumers; ++i)
            std::this_thread::sleep_for(5ms);
        REQUIRE(consumers_done == consumers);
        int once = 0, other = 0;
        for (auto& s : seen) (s.load() == 1 ? once : other)++;
        CHECK(once == producers * per_producer);
        CHECK(other == 0);
    }
}

TEST_CASE("chan: a cancelled receive takes nothing, a cancelled send gives nothing") {
    using namespace asio::experimental::awaitable_operators;
    test::running_engine e(1);
    corio::chan<int> ch(0);
    test::run_on(e.loop(0), [](corio::chan<int> ch) -> corio::task<> {
        auto ex = co_await asio::this_coro::executor;
        // A receive raced against a timer with ||: the timer wins, the receive is cancelled.
        asio::steady_timer t(ex, 20ms);
        auto r = co_await (ch.receive() || t.async_wait(asio::use_awaitable));
        CHECK(r.index() == 1);
        CHECK_FALSE(ch.try_send(7)); // no receiver is left queued
        // A send cancelled the same way leaves nothing behind for a later receiver.
        asio::steady_timer t2(ex, 20ms);
        auto s = co_await (ch.send(8) || t2.async_wait(asio::use_awaitable));
        CHECK(s.index() == 1);
        CHECK_FALSE(ch.try_receive().has_value());
    }(ch));

    // A cancellation signal reaching a blocked receive through co_spawn's slot.
    asio::cancellation_signal sig;
    std::promise<std::string> outcome;
    corio::co_spawn(
        e.loop(0).get_executor(),
        [](corio::chan<int> ch) -> corio::task<> { co_await ch.receive(); }(ch),
        asio::bind_cancellation_slot(sig.slot(), [&](std::exception_ptr p) {
            try {
                if (p) std::rethrow_exception(p);
                outcome.set_value("returned");
            } catch (const boost::system::system_error& err) {
                outcome.set_value(err.code() == asio::error::operation_aborted ? "aborted"
                                                                               : "other");
            }
        }));
    std::this_thread::sleep_for(20ms);
    asio::post(e.loop(0).get_executor(), [&] { sig.emit(asio::cancellation_type::terminal); });
    auto f = outcome.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK(f.get() == "aborted");
    CHECK_FALSE(ch.try_send(1));
}

TEST_CASE("chan: the last handle going wakes waiters that hold the channel by reference") {
    test::running_engine e(1);
    auto ch = std::make_unique<corio::chan<int>>(0);
    std::promise<bool> got_closed;
    corio::go(e.loop(0), [&ch, &got_closed]() -> corio::task<> {
        auto v = co_await ch->receive(); // by reference: the coroutine holds no handle
        got_closed.set_value(!v.has_value());
    });
    std::this_thread::sleep_for(20ms);
    asio::post(e.loop(0).get_executor(), [&] { ch.reset(); });
    auto f = got_closed.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK(f.get());
}

TEST_CASE("chan: the nil channel blocks until cancelled and is never ready") {
    corio::chan<int> nil;
    CHECK_FALSE(nil);
    CHECK_FALSE(nil.try_send(1));
    CHECK_FALSE(nil.try_receive().has_value());
    CHECK(nil.len() == 0);
    CHECK(nil.cap() == 0);
    CHECK_THROWS_AS(nil.close(), std::system_error);
}
