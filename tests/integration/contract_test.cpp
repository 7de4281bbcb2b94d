// What a new user tripped over (issue 11), each pinned by a test: write() after a reset, the
// peer address after a reset, an engine that runs once, the read timeout as a per-call
// deadline, and a second signal during a graceful stop.
#include "support.hpp"

#include <fcntl.h>
#include <fstream>
#include <future>
#include <sstream>
#include <sys/wait.h>

namespace {
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

long long ms_since(steady::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t).count();
}

template <class T>
bool ready_within(std::future<T>& f, std::chrono::milliseconds limit = 5000ms) {
    return f.wait_for(limit) == std::future_status::ready;
}

std::string local_address_of(test::client& c) {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    ::getsockname(c.fd(), reinterpret_cast<sockaddr*>(&sa), &len);
    return "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST_CASE("contract: after a peer reset, write() returns false and remote_address() is kept") {
    struct seen {
        std::string before, after;
        std::error_code error;
        bool write_ok = true;
    };
    std::promise<seen> done;
    test::running_engine server(test::test_options(1),
                                [&](corio::connection& conn) -> corio::task<> {
                                    seen s;
                                    s.before = conn.remote_address();
                                    conn.write("k");
                                    co_await conn.flush();
                                    for (;;) {
                                        auto b = co_await conn.read();
                                        if (!b) break;
                                        conn.discard(b.size());
                                    }
                                    s.error = conn.error();
                                    s.write_ok = conn.write("too late");
                                    s.after = conn.remote_address();
                                    done.set_value(s);
                                });
    test::client c(server.port);
    REQUIRE(c.recv(1, 3000ms) == "k");
    std::string mine = local_address_of(c);
    c.reset();
    auto f = done.get_future();
    REQUIRE(ready_within(f));
    seen s = f.get();
    CHECK(s.error == std::errc::connection_reset);
    CHECK_FALSE(s.write_ok); // the header's promise: false once the connection has failed
    CHECK(s.before == mine);
    CHECK(s.after == mine); // still known: a log line for a reset connection needs it
}

TEST_CASE("contract: after the peer's EOF (a half-close), write() still works") {
    std::promise<bool> wrote;
    test::running_engine server(
        test::test_options(1), [&](corio::connection& conn) -> corio::task<> {
            auto b = co_await conn.read();
            while (b) {
                conn.discard(b.size());
                b = co_await conn.read();
            }
            wrote.set_value(conn.error() == corio::errc::eof && conn.write("bye"));
            co_await conn.flush();
        });
    test::client c(server.port);
    REQUIRE(c.send("x"));
    c.shutdown_write();
    auto f = wrote.get_future();
    REQUIRE(ready_within(f));
    CHECK(f.get());
    CHECK(c.recv(3, 3000ms) == "bye");
}

TEST_CASE("contract: an engine runs once: start() or serve() after stop() is a logic_error") {
    corio::engine e(test::test_options(1));
    e.serve("tcp://127.0.0.1:0", test::echo_handler);
    e.start();
    CHECK_THROWS_WITH_AS(e.start(), doctest::Contains("already running"), std::logic_error);
    e.stop();
    e.wait();
    CHECK_THROWS_WITH_AS(e.start(), doctest::Contains("runs once"), std::logic_error);
    CHECK_THROWS_WITH_AS(e.serve("tcp://127.0.0.1:0", test::echo_handler),
                         doctest::Contains("after stop()"), std::logic_error);
    CHECK_FALSE(e.running());

    corio::engine never(test::test_options(1));
    never.stop(); // stopped before it ever started
    CHECK_THROWS_AS(never.start(), std::logic_error);
}

TEST_CASE(
    "contract: the read timeout bounds a whole read call; a byte trickle does not extend it") {
    struct seen {
        long long ms = -1;
        bool empty = false;
        std::error_code error;
        std::string bytes;
    };
    std::promise<seen> line_done, next_done;
    test::running_engine server(test::test_options(1),
                                [&](corio::connection& conn) -> corio::task<> {
                                    conn.set_read_timeout(600ms);
                                    auto t0 = steady::now();
                                    auto line = co_await conn.read_until("\n");
                                    line_done.set_value({ms_since(t0), !line, conn.error(), {}});
                                    // A timeout ends one read, not the connection: the
                                    // bytes that came meanwhile are all still there.
                                    auto six = co_await conn.next(6);
                                    next_done.set_value({0, !six, conn.error(), std::string(six)});
                                });
    test::client c(server.port);
    // One byte every 150 ms and never a newline: an inactivity timer would never fire.
    for (int i = 0; i < 6; ++i) {
        REQUIRE(c.send(std::string(1, static_cast<char>('a' + i))));
        std::this_thread::sleep_for(150ms);
    }
    auto f = line_done.get_future();
    REQUIRE(ready_within(f));
    seen line = f.get();
    CHECK(line.empty);
    CHECK(line.error == corio::errc::timed_out);
    CHECK(line.ms >= 550);
    CHECK(line.ms < 850); // restarting the clock per byte would have waited out the trickle
    auto g = next_done.get_future();
    REQUIRE(ready_within(g));
    seen six = g.get();
    CHECK_FALSE(six.empty);
    CHECK(six.bytes == "abcdef");
}

namespace {

// A child process running an engine that handles signals, whose one connection's handler
// sits in an 8 s offloaded call. Returns the child's pid; its log goes to log_path.
pid_t start_stuck_server(const std::string& log_path, std::uint16_t& port) {
    {
        corio::engine probe(test::test_options(1));
        port = probe.serve("tcp://127.0.0.1:0", test::echo_handler).port;
    }
    std::string address = "tcp://127.0.0.1:" + std::to_string(port);
    pid_t child = ::fork();
    if (child != 0) return child;
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    {
        corio::options o;
        o.loops = 1;
        o.handle_signals = true;
        o.shutdown_timeout = 400ms;
        corio::engine e(o);
        e.serve(address, [](corio::connection& conn) -> corio::task<> {
            auto b = co_await conn.read();
            if (!b) co_return;
            conn.write("busy");
            co_await conn.flush();
            co_await corio::offload([] { std::this_thread::sleep_for(8s); });
        });
        e.run();
    }
    ::_exit(0);
}

struct child_exit {
    bool exited = false, signaled = false;
    int code = -1, signal = 0;
    long long ms = -1;
};

// Waits up to `limit` for the child; kills it (and says so) if it is still there.
child_exit reap(pid_t pid, std::chrono::milliseconds limit, steady::time_point since) {
    child_exit out;
    auto deadline = steady::now() + limit;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (steady::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return out;
        }
        std::this_thread::sleep_for(5ms);
    }
    out.ms = ms_since(since);
    out.exited = WIFEXITED(status);
    out.code = out.exited ? WEXITSTATUS(status) : -1;
    out.signaled = WIFSIGNALED(status);
    out.signal = out.signaled ? WTERMSIG(status) : 0;
    return out;
}

} // namespace

TEST_CASE("contract: a second SIGINT during a graceful stop exits at once; the stop says what "
          "it waits for") {
    char log_path[] = "/tmp/corio-signal-test-XXXXXX";
    int log_fd = ::mkstemp(log_path);
    REQUIRE(log_fd >= 0);
    ::close(log_fd);
    std::uint16_t port = 0;
    pid_t child = start_stuck_server(log_path, port);
    REQUIRE(child > 0);
    REQUIRE(test::eventually(
        [&] { return read_file(log_path).find("listening on") != std::string::npos; }));
    test::client c(port);
    REQUIRE(c.send("x"));
    REQUIRE(c.recv(4, 3000ms) == "busy");
    std::this_thread::sleep_for(200ms); // the handler is in its 8 s offloaded call by now
    ::kill(child, SIGINT);
    REQUIRE(test::eventually(
        [&] { return read_file(log_path).find("stopping:") != std::string::npos; }));
    auto t0 = steady::now();
    ::kill(child, SIGINT);
    child_exit e = reap(child, 3000ms, t0);
    std::string log = read_file(log_path);
    INFO("child log:\n" << log);
    CHECK(e.exited);
    CHECK(e.code == 128 + SIGINT);
    CHECK(e.ms < 1000); // not the 8 s of the offloaded call
    CHECK(log.find("waiting up to 400 ms for 1 connection(s), 0 datagram handler(s), 1 "
                   "offloaded call(s)") != std::string::npos);
    CHECK(log.find("during stop: exiting at once") != std::string::npos);
    ::unlink(log_path);
}

TEST_CASE("contract: once the stop is over, a signal while the engine waits for offloaded calls "
          "ends the process") {
    char log_path[] = "/tmp/corio-signal-test-XXXXXX";
    int log_fd = ::mkstemp(log_path);
    REQUIRE(log_fd >= 0);
    ::close(log_fd);
    std::uint16_t port = 0;
    pid_t child = start_stuck_server(log_path, port);
    REQUIRE(child > 0);
    REQUIRE(test::eventually(
        [&] { return read_file(log_path).find("listening on") != std::string::npos; }));
    test::client c(port);
    REQUIRE(c.send("x"));
    REQUIRE(c.recv(4, 3000ms) == "busy");
    std::this_thread::sleep_for(200ms);
    ::kill(child, SIGINT);
    // The stop gives up on the handler (400 ms, then 1 s for forced closes) and the engine's
    // destruction then waits for the worker, saying so.
    REQUIRE(test::eventually(
        [&] {
            return read_file(log_path).find("offloaded call(s) still running") != std::string::npos;
        },
        5000ms));
    auto t0 = steady::now();
    ::kill(child, SIGINT);
    child_exit e = reap(child, 3000ms, t0);
    INFO("child log:\n" << read_file(log_path));
    CHECK(e.signaled);
    CHECK(e.signal == SIGINT);
    CHECK(e.ms < 1000);
    ::unlink(log_path);
}
