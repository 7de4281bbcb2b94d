// Connection semantics over real sockets on 127.0.0.1: peek/next/read_until/discard, EOF,
// handler exceptions, read and idle timeouts, buffer caps, async_write from other threads,
// close and shutdown_write, user context, addresses, peer resets and slow readers.
//
// Handlers run on loop threads, so they only record what they see (into promises or
// mutex-guarded state); every CHECK runs on the test thread.
#include "support.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/time.h>
#include <vector>

using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

long long ms_since(steady::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t).count();
}

// Byte i of a deterministic test stream. Not periodic in 256 (or any block size), so lost,
// repeated or reordered blocks are caught, not only wrong bytes.
char pattern_byte(std::uint64_t i) {
    std::uint32_t x = static_cast<std::uint32_t>(i) * 2654435761u;
    x ^= x >> 15;
    return static_cast<char>(x >> 24);
}

std::string pattern(std::uint64_t offset, std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = pattern_byte(offset + i);
    return s;
}

template <class T>
bool ready_within(std::future<T>& f, std::chrono::milliseconds limit = 5000ms) {
    return f.wait_for(limit) == std::future_status::ready;
}

// Bounds the client's blocking send() so a server that stops reading cannot hang a test.
void set_send_timeout(test::client& c, std::chrono::milliseconds limit) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(limit.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((limit.count() % 1000) * 1000);
    ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// True if the next thing the client sees within `limit` is a clean EOF (no data, no reset).
bool at_eof(test::client& c, std::chrono::milliseconds limit = 2000ms) {
    pollfd p{c.fd(), POLLIN, 0};
    if (test::poll_retry(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
    char b;
    return test::recv_retry(c.fd(), &b, 1, 0) == 0;
}

std::uint16_t local_port(test::client& c) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(c.fd(), reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
}

struct pattern_read {
    std::size_t received = 0;
    std::size_t first_bad = SIZE_MAX; // offset of the first wrong byte
    bool eof = false;                 // the peer closed cleanly after the last byte read
};

// Reads a pattern stream of `total` bytes, verifying every byte: in small pieces with
// sleeps for `slow_for`, then as fast as possible; then checks for EOF.
pattern_read read_pattern(test::client& c, std::size_t total, std::chrono::milliseconds slow_for,
                          std::chrono::milliseconds limit = 20000ms) {
    pattern_read r;
    auto start = steady::now();
    auto deadline = start + limit;
    std::vector<char> buf(256 * 1024);
    while (r.received < total) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
        if (left.count() <= 0) break;
        pollfd p{c.fd(), POLLIN, 0};
        if (test::poll_retry(&p, 1, static_cast<int>(left.count())) <= 0) break;
        bool slow = steady::now() - start < slow_for;
        std::size_t want = std::min(slow ? std::size_t{2048} : buf.size(), total - r.received);
        ssize_t k = test::recv_retry(c.fd(), buf.data(), want, 0);
        if (k <= 0) break;
        for (ssize_t i = 0; i < k && r.first_bad == SIZE_MAX; ++i)
            if (buf[static_cast<std::size_t>(i)] !=
                pattern_byte(r.received + static_cast<std::size_t>(i)))
                r.first_bad = r.received + static_cast<std::size_t>(i);
        r.received += static_cast<std::size_t>(k);
        if (slow) std::this_thread::sleep_for(10ms);
    }
    if (r.received == total) r.eof = at_eof(c, std::chrono::milliseconds(5000));
    return r;
}

// Echoes until EOF or a failed flush; no co_await inside conditions (g++ 12).
corio::task<> echo(corio::connection& conn) {
    for (;;) {
        auto b = co_await conn.read();
        if (!b) break;
        conn.write(b);
        conn.discard(b.size());
        auto failed = co_await conn.flush();
        if (failed) break;
    }
}

void check_echo_on(std::uint16_t port) {
    test::client c(port);
    REQUIRE(c.send("ping"));
    CHECK(c.recv(4, 3000ms) == "ping");
}

} // namespace

// ---- 1. peek / next / read_until / discard -------------------------------------------------

TEST_CASE("connection: peek, next, read_until and discard over bytes sent in pieces") {
    struct seen {
        std::vector<std::string> views;    // every returned view, in order
        std::vector<std::string> problems; // invariant violations observed in the handler
        std::error_code end;
    };
    std::promise<seen> done;
    test::running_engine server(
        test::test_options(2), [&](corio::connection& conn) -> corio::task<> {
            seen s;
            auto problem = [&](std::string what) { s.problems.push_back(std::move(what)); };

            // A length-prefixed frame: 4 ASCII digits, then the payload.
            auto head = co_await conn.peek(4);
            s.views.emplace_back(head);
            std::size_t after_peek = conn.inbound_buffered();
            if (after_peek < 4) problem("peek(4) returned with fewer than 4 bytes buffered");
            auto again = co_await conn.peek(4); // not consumed: the same bytes again
            s.views.emplace_back(again);
            if (conn.inbound_buffered() < after_peek) problem("second peek consumed bytes");
            std::size_t before_next = conn.inbound_buffered();
            auto len_text = co_await conn.next(4);
            std::string len_copy(len_text);
            s.views.push_back(len_copy);
            if (conn.inbound_buffered() != before_next - 4)
                problem("next(4) did not consume 4 bytes");
            std::size_t len = 0;
            try {
                len = static_cast<std::size_t>(std::stoul(len_copy));
            } catch (...) {
                problem("bad length prefix");
            }
            auto payload = co_await conn.next(len);
            s.views.emplace_back(payload);

            // A line protocol with "\r\n" split across pieces.
            auto line = co_await conn.read_until("\r\n");
            s.views.emplace_back(line);
            if (conn.inbound_buffered() < line.size()) problem("read_until consumed its line");
            std::size_t line_size = line.size();
            auto same = co_await conn.read_until("\r\n"); // not consumed: the same line again
            s.views.emplace_back(same);
            conn.discard(line_size);
            auto header = co_await conn.read_until("\r\n");
            s.views.emplace_back(header);
            conn.discard(header.size());
            auto blank = co_await conn.read_until("\r\n");
            s.views.emplace_back(blank);
            conn.discard(blank.size());

            // A multi-byte delimiter arriving one byte at a time.
            auto marked = co_await conn.read_until("<END>");
            s.views.emplace_back(marked);
            conn.discard(marked.size());

            // The rest, then EOF.
            auto tail = co_await conn.peek(4);
            s.views.emplace_back(tail);
            conn.discard(4);
            auto rest = co_await conn.read();
            if (rest) problem("read() after the last byte returned '" + std::string(rest) + "'");
            auto late = co_await conn.peek(1);
            if (late) problem("peek(1) after EOF returned data");
            s.end = conn.error();
            done.set_value(std::move(s));
        });

    test::client c(server.port);
    for (std::string_view piece : {"00", "11hel", "lo world", "GET /a", "\r", "\nHost: x\r\n\r",
                                   "\n", "body<", "E", "N", "D", ">t", "ail"}) {
        REQUIRE(c.send(piece));
        std::this_thread::sleep_for(15ms);
    }
    c.shutdown_write();
    auto f = done.get_future();
    REQUIRE(ready_within(f));
    seen s = f.get();
    CHECK(s.problems == std::vector<std::string>{});
    CHECK(s.views == std::vector<std::string>{"0011", "0011", "0011", "hello world", "GET /a\r\n",
                                              "GET /a\r\n", "Host: x\r\n", "\r\n", "body<END>",
                                              "tail"});
    CHECK(s.end == corio::errc::eof);
    c.close();
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}

// ---- 2. EOF -----------------------------------------------------------------------------------

TEST_CASE("connection: read() is empty at EOF with errc::eof, and the handler can still reply") {
    struct seen {
        std::string received;
        std::error_code end;
        bool wrote = false;
        std::error_code flushed;
    };
    std::promise<seen> done;
    test::running_engine server(
        test::test_options(2), [&](corio::connection& conn) -> corio::task<> {
            seen s;
            for (;;) {
                auto b = co_await conn.read();
                if (!b) break;
                s.received.append(b);
                conn.discard(b.size());
            }
            s.end = conn.error();
            s.wrote = conn.write("got " + std::to_string(s.received.size()) + ": " + s.received);
            s.flushed = co_await conn.flush();
            done.set_value(std::move(s));
        });
    test::client c(server.port);
    REQUIRE(c.send("hello "));
    std::this_thread::sleep_for(20ms);
    REQUIRE(c.send("world"));
    c.shutdown_write();
    std::string reply = "got 11: hello world";
    CHECK(c.recv(reply.size(), 3000ms) == reply);
    CHECK(at_eof(c));
    auto f = done.get_future();
    REQUIRE(ready_within(f));
    seen s = f.get();
    CHECK(s.received == "hello world");
    CHECK(s.end == corio::errc::eof);
    CHECK(s.wrote);
    CHECK(!s.flushed);
}

// ---- 3. throwing handlers ----------------------------------------------------------------------

TEST_CASE(
    "connection: a handler that throws is logged, its connection closed, the engine serves on") {
    test::log_capture logs;
    test::running_engine server(test::test_options(2, &logs),
                                [](corio::connection& conn) -> corio::task<> {
                                    for (;;) {
                                        auto line = co_await conn.read_until("\n");
                                        if (!line) break;
                                        if (line == "throw\n") throw std::runtime_error("boom");
                                        conn.write(line);
                                        conn.discard(line.size());
                                        auto failed = co_await conn.flush();
                                        if (failed) break;
                                    }
                                });
    {
        test::client c(server.port);
        REQUIRE(c.send("hi\n"));
        CHECK(c.recv(3, 3000ms) == "hi\n");
        REQUIRE(c.send("throw\n"));
        CHECK(c.wait_closed(2000ms));
    }
    CHECK(test::eventually([&] { return logs.count_containing("handler threw") == 1; }, 2000ms));
    CHECK(logs.count_containing("boom") == 1);
    {
        test::client c(server.port);
        REQUIRE(c.send("second\n"));
        CHECK(c.recv(7, 3000ms) == "second\n");
    }
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
    CHECK(logs.count_containing("handler threw") == 1);
    CHECK(logs.count_containing("ended abnormally") == 0);
}

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

// ---- 8. async_write from another thread ---------------------------------------------------------

TEST_CASE("connection: async_write from another thread delivers in order, callbacks on the loop") {
    std::promise<std::shared_ptr<corio::connection>> handed;
    std::mutex mutex;
    int calls = 0, off_loop = 0, failed = 0;
    test::running_engine server(test::test_options(2),
                                [&](corio::connection& conn) -> corio::task<> {
                                    handed.set_value(conn.shared_from_this());
                                    for (;;) { // keeps the connection until the client closes
                                        auto b = co_await conn.read();
                                        if (!b) break;
                                        conn.discard(b.size());
                                    }
                                });
    test::client c(server.port);
    auto f = handed.get_future();
    REQUIRE(ready_within(f));
    std::shared_ptr<corio::connection> conn = f.get();
    REQUIRE(conn);
    CHECK_FALSE(conn->owner().running_in_this_thread());
    std::string expected;
    for (int i = 0; i < 100; ++i) {
        char msg[16];
        std::snprintf(msg, sizeof msg, "msg %03d\n", i);
        expected += msg;
        conn->async_write(msg, [&, raw = conn.get()](std::error_code ec) {
            bool on_loop = raw->owner().running_in_this_thread();
            std::lock_guard lock(mutex);
            ++calls;
            off_loop += !on_loop;
            failed += ec ? 1 : 0;
        });
    }
    CHECK(c.recv(expected.size(), 5000ms) == expected);
    CHECK(test::eventually(
        [&] {
            std::lock_guard lock(mutex);
            return calls == 100;
        },
        3000ms));
    {
        std::lock_guard lock(mutex);
        CHECK(calls == 100);
        CHECK(off_loop == 0);
        CHECK(failed == 0);
    }
    conn.reset(); // the handler holds the connection too; the last owner is its loop
    c.close();
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}

// ---- 9. close() flushes -----------------------------------------------------------------------

TEST_CASE("connection: returning from the handler flushes 4 MiB before closing") {
    constexpr std::size_t total = std::size_t{4} << 20;
    test::running_engine server(test::test_options(2),
                                [](corio::connection& conn) -> corio::task<> {
                                    conn.write(pattern(0, total));
                                    co_return; // no flush: close() must send it all
                                });
    test::client c(server.port);
    auto r = read_pattern(c, total, 300ms);
    CHECK(r.received == total);
    CHECK(r.first_bad == SIZE_MAX);
    CHECK(r.eof);
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}

// ---- 10. shutdown_write -----------------------------------------------------------------------

TEST_CASE("connection: shutdown_write sends FIN after pending bytes; reading goes on") {
    std::atomic<std::size_t> counted{0};
    std::promise<std::error_code> done;
    test::running_engine server(test::test_options(2),
                                [&](corio::connection& conn) -> corio::task<> {
                                    conn.write("bye");
                                    conn.shutdown_write();
                                    for (;;) {
                                        auto b = co_await conn.read();
                                        if (!b) break;
                                        counted += b.size();
                                        conn.discard(b.size());
                                    }
                                    done.set_value(conn.error());
                                });
    test::client c(server.port);
    CHECK(c.recv(3, 3000ms) == "bye");
    CHECK(at_eof(c));
    for (int i = 0; i < 5; ++i) {
        REQUIRE(c.send("hello"));
        std::this_thread::sleep_for(10ms);
    }
    CHECK(test::eventually([&] { return counted.load() == 25; }, 3000ms));
    c.shutdown_write();
    auto f = done.get_future();
    REQUIRE(ready_within(f));
    CHECK(f.get() == corio::errc::eof);
    CHECK(counted.load() == 25);
}

// ---- 11. user context -------------------------------------------------------------------------

TEST_CASE("connection: emplace_context / context<T> store one value of one type") {
    struct session {
        int requests = 0;
        std::string user;
    };
    std::promise<std::vector<std::string>> done;
    test::running_engine server(
        test::test_options(1), [&](corio::connection& conn) -> corio::task<> {
            std::vector<std::string> problems;
            auto problem = [&](std::string what) { problems.push_back(std::move(what)); };
            if (conn.context<int>() != nullptr) problem("fresh connection has a context");
            int& n = conn.emplace_context<int>(42);
            if (n != 42) problem("emplace_context<int> returned a wrong value");
            if (conn.context<int>() != &n || *conn.context<int>() != 42)
                problem("context<int>() is not the stored int");
            if (conn.context<long>() != nullptr) problem("context<long>() found an int");
            if (conn.context<std::string>() != nullptr)
                problem("context<std::string>() found an int");
            auto& s = conn.emplace_context<session>(session{1, "ann"});
            auto b = co_await conn.read(); // the context survives suspension
            if (b) conn.discard(b.size());
            session* back = conn.context<session>();
            if (back != &s || back->requests != 1 || back->user != "ann")
                problem("context<session>() is not the stored session");
            if (conn.context<int>() != nullptr) problem("emplace did not replace the int");
            conn.reset_context();
            if (conn.context<session>() != nullptr) problem("reset_context left a value");
            done.set_value(std::move(problems));
        });
    test::client c(server.port);
    REQUIRE(c.send("go"));
    auto f = done.get_future();
    REQUIRE(ready_within(f));
    CHECK(f.get() == std::vector<std::string>{});
}

// ---- 12. addresses and ids --------------------------------------------------------------------

TEST_CASE("connection: local/remote addresses are 127.0.0.1:PORT and ids are unique") {
    struct seen {
        std::uint64_t id;
        std::string local, remote;
    };
    std::mutex mutex;
    std::vector<seen> seen_list;
    test::running_engine server(
        test::test_options(2), [&](corio::connection& conn) -> corio::task<> {
            {
                std::lock_guard lock(mutex);
                seen_list.push_back({conn.id(), conn.local_address(), conn.remote_address()});
            }
            conn.write("k");
            co_await conn.flush();
            for (;;) {
                auto b = co_await conn.read();
                if (!b) break;
                conn.discard(b.size());
            }
        });
    std::vector<std::unique_ptr<test::client>> clients;
    std::set<std::string> client_addresses;
    for (int i = 0; i < 4; ++i) {
        clients.push_back(std::make_unique<test::client>(server.port));
        REQUIRE(clients.back()->recv(1, 3000ms) == "k");
        client_addresses.insert("127.0.0.1:" + std::to_string(local_port(*clients.back())));
    }
    std::lock_guard lock(mutex);
    REQUIRE(seen_list.size() == 4);
    std::set<std::uint64_t> ids;
    std::set<std::string> remotes;
    for (auto& s : seen_list) {
        ids.insert(s.id);
        remotes.insert(s.remote);
        CHECK(s.local == "127.0.0.1:" + std::to_string(server.port));
    }
    CHECK(ids.size() == 4);
    CHECK(ids.count(0) == 0);
    CHECK(remotes == client_addresses);
}

// ---- 13. peer reset mid-write -----------------------------------------------------------------

TEST_CASE(
    "connection: a peer reset mid-write ends flush with a system error; the engine serves on") {
    struct seen {
        std::error_code flushed;
        std::error_code error;
        std::size_t sent = 0;
    };
    std::promise<seen> done;
    test::running_engine server(
        test::test_options(2), [&](corio::connection& conn) -> corio::task<> {
            seen s;
            std::string chunk = pattern(0, 64 * 1024);
            auto deadline = steady::now() + 10s; // a bound, so a broken flush cannot hang the test
            while (steady::now() < deadline) {
                if (!conn.write(chunk)) {
                    s.flushed = conn.error();
                    break;
                }
                auto failed = co_await conn.flush();
                if (failed) {
                    s.flushed = failed;
                    break;
                }
                s.sent += chunk.size();
            }
            s.error = conn.error();
            done.set_value(s);
        });
    auto echo_port = server.engine.serve("tcp://127.0.0.1:0", echo).port;
    {
        test::client c(server.port);
        CHECK(c.recv(1000, 3000ms).size() == 1000);
        std::this_thread::sleep_for(50ms); // let the server fill the socket buffers
        c.reset();
    }
    auto f = done.get_future();
    REQUIRE(ready_within(f, 5000ms));
    seen s = f.get();
    CAPTURE(s.flushed.message());
    CAPTURE(s.sent);
    CHECK(s.flushed.category() == std::system_category());
    CHECK((s.flushed == std::errc::connection_reset || s.flushed == std::errc::broken_pipe));
    CHECK(s.error == s.flushed);
    check_echo_on(echo_port);
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}

// ---- 14. slow reader --------------------------------------------------------------------------

namespace {

// What a handler streaming the pattern saw: the bytes it handed over, the largest outbound
// backlog right after a step, the high-water mark, and the error that stopped it (if any).
struct stream_seen {
    std::size_t written = 0;
    std::size_t max_after_flush = 0;
    std::size_t high_water = 0;
    std::error_code flushed;
};

// Hands chunk number i (`chunk` pattern bytes from offset `off`) to the connection; an error
// ends the stream.
using stream_step = std::function<corio::task<std::error_code>(corio::connection&, std::size_t i,
                                                               std::size_t off, std::size_t chunk)>;

// A server whose handler streams `total` pattern bytes in `chunk`s through `step`, read by a
// reader that is slow for its first second: checks that every byte came intact, then EOF,
// and returns what the handler saw.
stream_seen stream_to_slow_reader(std::size_t total, std::size_t chunk, const stream_step& step) {
    std::promise<stream_seen> done;
    test::running_engine server(
        test::test_options(2), [&](corio::connection& conn) -> corio::task<> {
            stream_seen s;
            s.high_water = conn.high_water_mark();
            std::size_t i = 0;
            for (std::size_t off = 0; off < total; off += chunk, ++i) {
                auto failed = co_await step(conn, i, off, chunk);
                if (failed) {
                    s.flushed = failed;
                    break;
                }
                s.written += chunk;
                s.max_after_flush = std::max(s.max_after_flush, conn.outbound_buffered());
            }
            done.set_value(s);
        });
    test::client c(server.port);
    auto t0 = steady::now();
    auto r = read_pattern(c, total, 1000ms);
    MESSAGE((total >> 20) << " MiB read in " << ms_since(t0) << " ms");
    CHECK(r.received == total);
    CHECK(r.first_bad == SIZE_MAX);
    CHECK(r.eof);
    auto f = done.get_future();
    REQUIRE(ready_within(f));
    stream_seen s = f.get();
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
    return s;
}

} // namespace

TEST_CASE("connection: flush keeps the backlog under the high-water mark for a slow reader") {
    constexpr std::size_t total = std::size_t{32} << 20;
    stream_seen s = stream_to_slow_reader(total, 64 * 1024,
                                          [](corio::connection& conn, std::size_t, std::size_t off,
                                             std::size_t chunk) -> corio::task<std::error_code> {
                                              if (!conn.write(pattern(off, chunk)))
                                                  co_return conn.error();
                                              co_return co_await conn.flush();
                                          });
    CHECK(!s.flushed);
    CHECK(s.written == total);
    CHECK(s.high_water == (std::size_t{1} << 20));
    CHECK(s.max_after_flush <= s.high_water);
    MESSAGE("max outbound backlog after flush: " << s.max_after_flush);
}

TEST_CASE("connection: flush(data) sends in order with write() and keeps the high-water mark") {
    // Every third chunk goes through write(), so flush(data) also runs with bytes queued ahead
    // of it (then it must copy and send after them); a slow reader makes the socket fill, so
    // the direct send is partial and the rest is buffered.
    constexpr std::size_t total = std::size_t{24} << 20;
    constexpr std::size_t chunk = 48 * 1024;
    stream_seen s =
        stream_to_slow_reader(total, chunk,
                              [](corio::connection& conn, std::size_t i, std::size_t off,
                                 std::size_t size) -> corio::task<std::error_code> {
                                  std::string piece = pattern(off, size);
                                  if (i % 3 == 2) {
                                      conn.write(piece);
                                      co_return std::error_code{};
                                  }
                                  auto failed = co_await conn.flush(piece);
                                  piece.assign(size, 'x'); // the caller's bytes are free again
                                  co_return failed;
                              });
    CHECK(!s.flushed);
    CHECK(s.written == total);
    // write() chunks may sit above the mark until the next flush; flush(data) brings it down.
    CHECK(s.max_after_flush <= (std::size_t{1} << 20) + chunk);
}

TEST_CASE("connection: flush(data) on a connection the peer reset reports the error") {
    std::promise<std::error_code> done;
    test::running_engine server(test::test_options(1),
                                [&](corio::connection& conn) -> corio::task<> {
                                    auto first = co_await conn.read();
                                    conn.discard(first.size());
                                    auto more = co_await conn.read(); // ends with the reset
                                    (void)more;
                                    std::string big(256 * 1024, 'y');
                                    std::error_code ec;
                                    for (int i = 0; i < 8 && !ec; ++i)
                                        ec = co_await conn.flush(big);
                                    done.set_value(ec);
                                });
    {
        test::client c(server.port);
        c.send("hello");
        c.reset();
    }
    auto f = done.get_future();
    REQUIRE(ready_within(f));
    CHECK(f.get());
}
