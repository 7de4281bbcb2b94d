// Connection limits over real sockets on 127.0.0.1: read and idle timeouts, and the inbound
// and outbound caps.
//
// Handlers run on loop threads, so they only record what they see (into promises or
// mutex-guarded state); every CHECK runs on the test thread.
#include "connection_support.hpp"

using namespace conn_test;

// ---- 4. read timeouts -------------------------------------------------------------------------

namespace {

struct timeout_seen {
    bool first_empty = false;
    std::error_code first_error;
    long long first_ms = -1;
    int timeouts_between = 0; // further timed-out reads while waiting for "x"
    std::string second;
    std::error_code after_second; // error() once a read succeeded again
};

// Reads once expecting a timeout, tells the client "T", then reads until "x" arrives
// (tolerating more timeouts), echoes it and holds the connection until EOF.
corio::task<> timeout_then_read(corio::connection& conn, std::promise<timeout_seen>& done) {
    timeout_seen s;
    auto t0 = steady::now();
    auto b = co_await conn.read();
    s.first_ms = ms_since(t0);
    s.first_empty = !b;
    s.first_error = conn.error();
    conn.write("T");
    co_await conn.flush();
    for (int i = 0; i < 100; ++i) {
        auto x = co_await conn.read();
        if (x) {
            s.second = std::string(x);
            conn.discard(x.size());
            break;
        }
        if (conn.error() != corio::errc::timed_out) break;
        ++s.timeouts_between;
    }
    s.after_second = conn.error();
    conn.write(s.second);
    co_await conn.flush();
    done.set_value(std::move(s));
    conn.set_read_timeout(0ms);
    for (;;) {
        auto rest = co_await conn.read();
        if (!rest) break;
        conn.discard(rest.size());
    }
}

void check_timeout_seen(test::client& c, std::promise<timeout_seen>& done) {
    CHECK(c.recv(1, 3000ms) == "T");
    REQUIRE(c.send("x"));
    CHECK(c.recv(1, 3000ms) == "x");
    auto f = done.get_future();
    REQUIRE(ready_within(f));
    timeout_seen s = f.get();
    CHECK(s.first_empty);
    CHECK(s.first_error == corio::errc::timed_out);
    CHECK(s.first_ms >= 80);
    CHECK(s.first_ms < 2000);
    CHECK(s.second == "x");
    CHECK(!s.after_second);
    MESSAGE("timed-out reads while waiting for x: " << s.timeouts_between);
}

} // namespace

TEST_CASE("connection: set_read_timeout ends one read with errc::timed_out, not the connection") {
    std::promise<timeout_seen> done;
    test::running_engine server(test::test_options(2),
                                [&](corio::connection& conn) -> corio::task<> {
                                    conn.set_read_timeout(100ms);
                                    co_await timeout_then_read(conn, done);
                                });
    test::client c(server.port);
    check_timeout_seen(c, done);
    c.close();
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}

TEST_CASE("connection: options.read_timeout applies to every connection (after a first read too)") {
    auto opts = test::test_options(2);
    opts.read_timeout = 100ms;
    std::promise<timeout_seen> done;
    test::running_engine server(opts, [&](corio::connection& conn) -> corio::task<> {
        // A first read allocates the inbound buffer, so the timed-out read below waits in
        // async_read_some rather than in the buffer-less one-byte peek.
        auto first = co_await conn.read();
        if (first) conn.discard(first.size());
        co_await timeout_then_read(conn, done);
    });
    test::client c(server.port);
    REQUIRE(c.send("a"));
    check_timeout_seen(c, done);
    c.close();
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}

TEST_CASE("connection: giving an idle buffer back does not extend a pending read timeout") {
    // With a short idle_release the sweeper parks a connection that waits with a buffer
    // (after its first read): the block goes back to the pool and the wait goes on as a
    // buffer-less peek. That is internal: the read must still time out on time.
    auto opts = test::test_options(1);
    opts.idle_release = 300ms;
    std::promise<void> waiting;
    std::promise<timeout_seen> done;
    test::running_engine server(opts, [&](corio::connection& conn) -> corio::task<> {
        auto first = co_await conn.read();
        if (first) conn.discard(first.size());
        conn.set_read_timeout(1000ms);
        waiting.set_value();
        timeout_seen s;
        auto t0 = steady::now();
        auto b = co_await conn.read();
        s.first_ms = ms_since(t0);
        s.first_empty = !b;
        s.first_error = conn.error();
        done.set_value(s);
    });
    test::client c(server.port);
    REQUIRE(c.send("a"));
    auto w = waiting.get_future();
    REQUIRE(ready_within(w));
    // Two sweeps (at most 600 ms) after the last activity the block is back in the pool.
    std::this_thread::sleep_for(800ms);
    auto& lp = server.engine.get_loop(0);
    std::promise<std::size_t> blocks;
    lp.post([&] { blocks.set_value(lp.pool().outstanding()); });
    auto b = blocks.get_future();
    REQUIRE(ready_within(b));
    CHECK(b.get() == 0); // parked: the wait holds no buffer
    auto f = done.get_future();
    REQUIRE(ready_within(f));
    timeout_seen s = f.get();
    CHECK(s.first_empty);
    CHECK(s.first_error == corio::errc::timed_out);
    CHECK(s.first_ms >= 900);
    CHECK(s.first_ms < 1250); // not restarted at the park (that gives 1300..1600 ms)
}

// ---- 5. idle timeout --------------------------------------------------------------------------

TEST_CASE("connection: idle_timeout closes a silent connection and spares an active one") {
    auto opts = test::test_options(2);
    opts.idle_timeout = 150ms;
    std::mutex mutex;
    std::vector<std::error_code> ends;
    test::running_engine server(opts, [&](corio::connection& conn) -> corio::task<> {
        co_await echo(conn);
        std::lock_guard lock(mutex);
        ends.push_back(conn.error());
    });

    {
        test::client silent(server.port);
        auto t0 = steady::now();
        CHECK(silent.wait_closed(2000ms));
        auto ms = ms_since(t0);
        CHECK(ms >= 100);
        CHECK(ms < 2000);
    }
    REQUIRE(test::eventually(
        [&] {
            std::lock_guard lock(mutex);
            return ends.size() == 1;
        },
        2000ms));
    {
        std::lock_guard lock(mutex);
        CHECK(ends[0] == corio::errc::timed_out);
    }

    {
        test::client active(server.port);
        auto t0 = steady::now();
        int rounds = 0;
        while (steady::now() - t0 < 500ms) {
            REQUIRE(active.send("p"));
            REQUIRE(active.recv(1, 1000ms) == "p");
            ++rounds;
            std::this_thread::sleep_for(50ms);
        }
        CHECK(rounds >= 5);
        REQUIRE(active.send("still here"));
        CHECK(active.recv(10, 1000ms) == "still here");
        std::lock_guard lock(mutex);
        CHECK(ends.size() == 1); // the active connection's handler is still running
    }
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}

// ---- 6. inbound cap ---------------------------------------------------------------------------

TEST_CASE("connection: inbound_cap makes oversized peeks and unterminated lines buffer_full") {
    struct seen {
        bool empty = false;
        std::error_code error;
        long long ms = -1;
        std::size_t buffered = 0;
    };
    auto opts = test::test_options(2);
    opts.inbound_cap = 64 * 1024;
    std::promise<seen> peek_done, until_done;
    test::running_engine server(opts, [&](corio::connection& conn) -> corio::task<> {
        auto t0 = steady::now();
        auto b = co_await conn.peek(std::size_t{1} << 20);
        peek_done.set_value({!b, conn.error(), ms_since(t0), conn.inbound_buffered()});
    });
    auto until_port =
        server.engine
            .serve(
                "tcp://127.0.0.1:0",
                [&](corio::connection& conn) -> corio::task<> {
                    auto t0 = steady::now();
                    auto b = co_await conn.read_until("\n");
                    until_done.set_value({!b, conn.error(), ms_since(t0), conn.inbound_buffered()});
                })
            .port;
    auto echo_port = server.engine.serve("tcp://127.0.0.1:0", echo).port;

    {
        test::client c(server.port);
        auto f = peek_done.get_future();
        REQUIRE(ready_within(f, 2000ms));
        seen s = f.get();
        CHECK(s.empty);
        CHECK(s.error == corio::errc::buffer_full);
        CHECK(s.ms < 500); // at once, not after waiting for data
        CHECK(c.wait_closed(2000ms));
    }
    check_echo_on(echo_port);
    {
        test::client c(until_port);
        set_send_timeout(c, 3000ms);
        c.send(std::string(200 * 1024, 'a')); // may fail once the server gives up and closes
        auto f = until_done.get_future();
        REQUIRE(ready_within(f, 3000ms));
        seen s = f.get();
        CHECK(s.empty);
        CHECK(s.error == corio::errc::buffer_full);
        CHECK(s.buffered <= 64 * 1024);
        CHECK(c.wait_closed(2000ms));
    }
    check_echo_on(echo_port);
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}

// ---- 7. outbound cap --------------------------------------------------------------------------

TEST_CASE("connection: writing past outbound_cap fails with buffer_full, and flush reports it") {
    struct seen {
        std::size_t accepted = 0;
        bool refused = false;
        std::error_code error;
        bool later_write = true;
        std::error_code flushed;
    };
    auto opts = test::test_options(2);
    opts.outbound_cap = std::size_t{1} << 20;
    opts.outbound_high_water = 256 * 1024;
    std::promise<seen> done;
    test::running_engine server(opts, [&](corio::connection& conn) -> corio::task<> {
        seen s;
        std::string chunk(64 * 1024, 'o');
        for (int i = 0; i < 40; ++i) { // 2.5 MiB offered, never flushed
            if (!conn.write(chunk)) {
                s.refused = true;
                break;
            }
            s.accepted += chunk.size();
        }
        s.error = conn.error();
        s.later_write = conn.write("x");
        s.flushed = co_await conn.flush();
        done.set_value(s);
    });
    test::client c(server.port);
    auto f = done.get_future();
    REQUIRE(ready_within(f));
    seen s = f.get();
    CHECK(s.refused);
    CHECK(s.accepted == (std::size_t{1} << 20));
    CHECK(s.error == corio::errc::buffer_full);
    CHECK_FALSE(s.later_write);
    CHECK(s.flushed == corio::errc::buffer_full);
    CHECK(c.wait_closed(2000ms));
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}
