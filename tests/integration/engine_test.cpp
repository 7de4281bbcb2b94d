// Engine behaviour: least_connections spreading, graceful stop, hooks, and fd exhaustion in a
// real corio-echo process whose RLIMIT_NOFILE is lowered.
#include "support.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <sys/wait.h>

using namespace std::chrono_literals;

namespace {

// Tells the client which loop serves it, then holds the connection until EOF.
corio::task<> report_loop(corio::connection& conn) {
    conn.write(std::string(1, static_cast<char>('0' + conn.owner().index())));
    co_await conn.flush();
    while (auto b = co_await conn.read()) conn.discard(b.size());
}

std::vector<std::size_t> loop_counts(corio::engine& e) {
    std::vector<std::size_t> counts;
    for (std::size_t i = 0; i < e.loop_count(); ++i)
        counts.push_back(e.get_loop(i).connection_count());
    return counts;
}

} // namespace

TEST_CASE("least_connections spreads connections evenly and refills the emptiest loop") {
    test::running_engine server(test::test_options(4), report_loop);
    std::vector<std::unique_ptr<test::client>> clients;
    std::vector<int> loop_of;
    for (int i = 0; i < 10; ++i) {
        clients.push_back(std::make_unique<test::client>(server.port));
        std::string b = clients.back()->recv(1);
        REQUIRE(b.size() == 1);
        loop_of.push_back(b[0] - '0');
        auto counts = loop_counts(server.engine);
        auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
        CHECK(*hi - *lo <= 1);
    }
    CHECK(server.engine.count_connections() == 10);
    // Empty loop 1 completely; the next connections must all go there until it catches up.
    for (std::size_t i = 0; i < clients.size(); ++i)
        if (loop_of[i] == 1) clients[i]->close();
    REQUIRE(test::eventually([&] { return server.engine.get_loop(1).connection_count() == 0; }));
    auto before = loop_counts(server.engine);
    std::size_t others_min = SIZE_MAX;
    for (std::size_t i = 0; i < before.size(); ++i)
        if (i != 1) others_min = std::min(others_min, before[i]);
    // Each new connection stays open, so loop 1 fills up to the others' level.
    for (std::size_t k = 0; k < others_min; ++k) {
        clients.push_back(std::make_unique<test::client>(server.port));
        std::string b = clients.back()->recv(1);
        REQUIRE(b.size() == 1);
        CHECK(b[0] == '1');
    }
    auto after = loop_counts(server.engine);
    auto [lo, hi] = std::minmax_element(after.begin(), after.end());
    CHECK(*hi - *lo <= 1);
}

TEST_CASE("graceful stop: in-flight data is answered, readers see shutting_down, hooks run") {
    test::log_capture logs;
    auto opts = test::test_options(2, &logs);
    int boots = 0, shutdowns = 0;
    opts.on_boot = [&](corio::engine&) { ++boots; };
    opts.on_shutdown = [&](corio::engine&) { ++shutdowns; };
    std::atomic<int> saw_shutting_down{0};
    corio::engine engine(opts);
    auto info = engine.serve("tcp://127.0.0.1:0", [&](corio::connection& conn) -> corio::task<> {
        while (auto b = co_await conn.read()) {
            conn.write(b);
            conn.discard(b.size());
            co_await conn.flush();
        }
        if (conn.error() == corio::errc::shutting_down) ++saw_shutting_down;
    });
    engine.start();
    CHECK(boots == 1);
    test::client a(info.port), b(info.port);
    a.send("one");
    CHECK(a.recv(3) == "one");
    b.send("two");
    CHECK(b.recv(3) == "two");
    b.send("late"); // may still sit in the socket when stop begins: it must be answered
    std::this_thread::sleep_for(20ms);
    auto started = std::chrono::steady_clock::now();
    engine.stop();
    CHECK(b.recv(4) == "late");
    CHECK(a.wait_closed(3s));
    CHECK(b.wait_closed(3s));
    engine.wait();
    CHECK(std::chrono::steady_clock::now() - started < 3s);
    CHECK(saw_shutting_down.load() == 2);
    CHECK(shutdowns == 1);
    CHECK(engine.count_connections() == 0);
    // Stopped: the port no longer accepts.
    CHECK_THROWS(test::client(info.port));
}

TEST_CASE("stop closes handlers that ignore it once shutdown_timeout passes") {
    test::log_capture logs;
    auto opts = test::test_options(1, &logs);
    opts.shutdown_timeout = 200ms;
    corio::engine engine(opts);
    auto info = engine.serve("tcp://127.0.0.1:0", [](corio::connection& conn) -> corio::task<> {
        // Ignores shutting_down and keeps reading: only a close wakes it.
        for (;;) {
            auto b = co_await conn.read();
            if (!b && conn.error() != corio::errc::shutting_down) break;
            conn.discard(b.size());
            if (!b) {
                boost::asio::steady_timer t(conn.get_executor(), 10ms);
                co_await t.async_wait(boost::asio::use_awaitable);
            }
        }
    });
    engine.start();
    test::client c(info.port);
    REQUIRE(test::eventually([&] { return engine.count_connections() == 1; }));
    auto started = std::chrono::steady_clock::now();
    engine.stop();
    engine.wait();
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(took >= 180ms);
    CHECK(took < 3s);
    CHECK(c.wait_closed(1s));
    CHECK(logs.count_containing("still open") == 1);
}

TEST_CASE("a handler can stop its own engine") {
    corio::engine engine(test::test_options(2));
    corio::engine* self = &engine;
    auto info = engine.serve("tcp://127.0.0.1:0", [self](corio::connection& conn) -> corio::task<> {
        auto b = co_await conn.read();
        if (b == "stop") self->stop();
        conn.write("ok");
        co_await conn.flush();
    });
    std::thread runner([&] { engine.run(); });
    test::client c(info.port);
    c.send("stop");
    CHECK(c.recv(2) == "ok");
    runner.join(); // run() returns by itself
    CHECK_FALSE(engine.running());
}

TEST_CASE("fd exhaustion: accept backs off, logs once, and serves again once fds are free") {
    test::raise_fd_limit();
    char log_path[] = "/tmp/corio-fd-test-XXXXXX";
    int log_fd = ::mkstemp(log_path);
    REQUIRE(log_fd >= 0);
    // A port picked by the kernel, then released for the child to bind.
    std::uint16_t port;
    {
        corio::engine probe(test::test_options(1));
        port = probe.serve("tcp://127.0.0.1:0", test::echo_handler).port;
    }
    std::string address = "tcp://127.0.0.1:" + std::to_string(port);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::dup2(log_fd, 2);
        rlimit rl{40, 40};
        ::setrlimit(RLIMIT_NOFILE, &rl);
        ::execl(CORIO_ECHO_BIN, CORIO_ECHO_BIN, "--address", address.c_str(), "--loops", "1",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(log_fd);
    auto read_log = [&] {
        std::ifstream in(log_path);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    REQUIRE(test::eventually([&] { return read_log().find("listening on") != std::string::npos; }));

    std::vector<std::unique_ptr<test::client>> clients;
    for (int i = 0; i < 80; ++i) clients.push_back(std::make_unique<test::client>(port));
    int answered = 0;
    for (auto& c : clients) {
        c->send("ping");
        answered += c->recv(4, 100ms) == "ping";
    }
    CHECK(answered > 0);
    CHECK(answered < 80); // the limit really bit
    CHECK(test::eventually([&] { return read_log().find("backing off") != std::string::npos; }));
    // Free the server's descriptors: the queued connections must now be served.
    int freed = 0;
    for (auto& c : clients) {
        if (freed == answered) break;
        c->close();
        ++freed;
    }
    int late = 0, late_ok = 0;
    for (std::size_t i = static_cast<std::size_t>(freed); i < clients.size() && late < 20;
         ++i, ++late) {
        late_ok += clients[i]->recv(4, 5s) == "ping";
    }
    CHECK(late_ok == late);
    std::string log = read_log();
    std::size_t warnings = 0;
    for (std::size_t pos = 0; (pos = log.find("backing off", pos)) != std::string::npos; ++pos)
        ++warnings;
    CHECK(warnings >= 1);
    CHECK(warnings <= 3); // logged once per exhaustion episode, not per retry
    CHECK(::waitpid(child, nullptr, WNOHANG) == 0); // still running
    ::kill(child, SIGTERM);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFEXITED(status));
    ::unlink(log_path);
}
