// Where bytes leave a connection, over real sockets on 127.0.0.1: async_write from other
// threads, close() flushing, a peer that resets mid-write, and slow readers with flush and
// flush(data).
//
// Handlers run on loop threads, so they only record what they see (into promises or
// mutex-guarded state); every CHECK runs on the test thread.
#include "connection_support.hpp"

using namespace conn_test;

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
