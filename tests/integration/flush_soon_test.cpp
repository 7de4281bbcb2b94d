// connection::flush_soon: the send waits for the end of the loop's turn (so it has not
// happened when flush_soon returns), bytes keep their order with write() and flush(), many
// connections of one loop share a turn, a call from another thread is posted to the loop, and
// a connection that closes or is reset with a send queued is cleaned up like any other.
//
// Handlers run on loop threads: they record what they see into promises or atomics, and
// every CHECK runs on the test thread.
#include "support.hpp"

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

template <class T>
bool ready_within(std::future<T>& f, std::chrono::milliseconds limit = 5000ms) {
    return f.wait_for(limit) == std::future_status::ready;
}

// Replies "<line>!\n" to every line, with write() + flush_soon(); counts the replies that were
// still buffered when flush_soon returned (all of them, if the send is deferred).
corio::task<> line_replier(corio::connection& conn, std::atomic<int>& deferred,
                           std::atomic<int>& replies) {
    for (;;) {
        auto line = co_await conn.read_until("\n");
        if (!line) break;
        std::string reply(line.data(), line.size() - 1);
        reply += "!\n";
        conn.discard(line.size());
        if (!conn.write(reply)) break;
        conn.flush_soon();
        ++replies;
        if (conn.outbound_buffered() > 0) ++deferred;
    }
}

} // namespace

TEST_CASE("flush_soon: replies leave after the turn, in order, for many connections of a loop") {
    std::atomic<int> deferred{0}, replies{0};
    test::running_engine server(test::test_options(1),
                                [&](corio::connection& conn) -> corio::task<> {
                                    return line_replier(conn, deferred, replies);
                                });
    constexpr int clients = 20, rounds = 30, lines = 25;
    std::vector<std::unique_ptr<test::client>> cs;
    for (int i = 0; i < clients; ++i) cs.push_back(std::make_unique<test::client>(server.port));
    int sent = 0;
    for (int r = 0; r < rounds; ++r) {
        std::vector<std::string> expected(clients);
        for (int i = 0; i < clients; ++i) {
            std::string batch;
            for (int l = 0; l < lines; ++l) {
                std::string line =
                    "c" + std::to_string(i) + "r" + std::to_string(r) + "l" + std::to_string(l);
                batch += line + "\n";
                expected[static_cast<std::size_t>(i)] += line + "!\n";
            }
            REQUIRE(cs[static_cast<std::size_t>(i)]->send(batch));
            sent += lines;
        }
        for (int i = 0; i < clients; ++i) {
            auto& want = expected[static_cast<std::size_t>(i)];
            REQUIRE(cs[static_cast<std::size_t>(i)]->recv(want.size(), 5000ms) == want);
        }
    }
    CHECK(replies.load() == sent);
    // Nothing is sent inside flush_soon itself: every reply was still buffered on return.
    CHECK(deferred.load() == sent);
}

TEST_CASE("flush_soon: keeps order with write() and flush() under a slow reader") {
    // The handler streams numbered records: most with flush_soon, every 7th with flush()
    // (backpressure), and flush() whenever the backlog passes the high-water mark.
    constexpr int records = 20000;
    std::promise<std::size_t> peak;
    test::running_engine server(
        test::test_options(1), [&](corio::connection& conn) -> corio::task<> {
            std::size_t most = 0;
            for (int i = 0; i < records; ++i) {
                std::string rec = "record " + std::to_string(i) + std::string(200, '.') + "\n";
                if (!conn.write(rec)) break;
                if (i % 7 == 0 || conn.outbound_buffered() > conn.high_water_mark()) {
                    auto failed = co_await conn.flush();
                    if (failed) break;
                } else {
                    conn.flush_soon();
                }
                most = std::max(most, conn.outbound_buffered());
            }
            peak.set_value(most);
        });
    test::client c(server.port);
    std::string expected;
    for (int i = 0; i < records; ++i)
        expected += "record " + std::to_string(i) + std::string(200, '.') + "\n";
    std::this_thread::sleep_for(300ms); // slow at first: the socket fills, the backlog grows
    CHECK(c.recv(expected.size(), 10000ms) == expected);
    auto f = peak.get_future();
    REQUIRE(ready_within(f));
    MESSAGE("largest backlog after a step: " << f.get());
}

TEST_CASE("flush_soon: from another thread it is posted to the loop and sends what is buffered") {
    std::promise<std::shared_ptr<corio::connection>> handed;
    test::running_engine server(test::test_options(2),
                                [&](corio::connection& conn) -> corio::task<> {
                                    conn.write("buffered, not flushed\n");
                                    handed.set_value(conn.shared_from_this());
                                    for (;;) { // holds the connection until the client closes
                                        auto b = co_await conn.read();
                                        if (!b) break;
                                        conn.discard(b.size());
                                    }
                                });
    test::client c(server.port);
    auto f = handed.get_future();
    REQUIRE(ready_within(f));
    auto conn = f.get();
    CHECK_FALSE(conn->owner().running_in_this_thread());
    conn->flush_soon();
    CHECK(c.recv(22, 3000ms) == "buffered, not flushed\n");
    conn.reset();
    c.close();
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
}

TEST_CASE("flush_soon: a connection that ends or is reset with a send queued is cleaned up") {
    // One handler returns right after flush_soon (the close flushes); others queue 1 MiB
    // to a peer that resets. Neither may crash, leak or keep the connection.
    std::atomic<int> done{0};
    test::running_engine server(test::test_options(1),
                                [&](corio::connection& conn) -> corio::task<> {
                                    auto b = co_await conn.read();
                                    bool big = b && b.size() > 0 && b.data()[0] == 'B';
                                    conn.discard(b.size());
                                    conn.write(big ? std::string(1 << 20, 'z') : "bye\n");
                                    conn.flush_soon();
                                    if (big) {
                                        auto more = co_await conn.read(); // the reset
                                        (void)more;
                                    }
                                    ++done;
                                });
    {
        test::client c(server.port);
        REQUIRE(c.send("s"));
        CHECK(c.recv(4, 3000ms) == "bye\n");
        CHECK(c.wait_closed(3000ms));
    }
    for (int i = 0; i < 5; ++i) {
        test::client c(server.port);
        REQUIRE(c.send("B"));
        std::this_thread::sleep_for(5ms);
        c.reset();
    }
    CHECK(test::eventually([&] { return done.load() == 6; }));
    CHECK(test::eventually([&] { return server.engine.count_connections() == 0; }));
    // The server still serves.
    test::client c(server.port);
    REQUIRE(c.send("s"));
    CHECK(c.recv(4, 3000ms) == "bye\n");
}
