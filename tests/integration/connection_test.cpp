// Connection semantics over real sockets on 127.0.0.1: peek/next/read_until/discard, EOF,
// handler exceptions, shutdown_write, user context, addresses and ids.
//
// Handlers run on loop threads, so they only record what they see (into promises or
// mutex-guarded state); every CHECK runs on the test thread.
#include "connection_support.hpp"

using namespace conn_test;

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
