// Helpers for integration tests: an engine running on its own threads, a log collector, and
// blocking POSIX clients on 127.0.0.1 with timeouts (so a broken server fails, not hangs).
#pragma once

#include <corio/corio.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace test {

using namespace std::chrono_literals;

// Blocking calls that go on after EINTR. On io_uring builds the kernel interrupts blocking
// calls of a thread that submitted to a ring (its task-work notification), and a socket call
// with SO_RCVTIMEO then fails with EINTR instead of restarting: test clients must retry.
inline ssize_t recv_retry(int fd, void* buf, std::size_t n, int flags) {
    ssize_t r;
    do r = ::recv(fd, buf, n, flags);
    while (r < 0 && errno == EINTR);
    return r;
}
inline ssize_t send_retry(int fd, const void* buf, std::size_t n, int flags) {
    ssize_t r;
    do r = ::send(fd, buf, n, flags);
    while (r < 0 && errno == EINTR);
    return r;
}
inline ssize_t sendto_retry(int fd, const void* buf, std::size_t n, int flags, const sockaddr* to,
                            socklen_t len) {
    ssize_t r;
    do r = ::sendto(fd, buf, n, flags, to, len);
    while (r < 0 && errno == EINTR);
    return r;
}
/// poll() that goes on after EINTR (with the full timeout again: callers bound their loops).
inline int poll_retry(pollfd* fds, nfds_t n, int timeout_ms) {
    int r;
    do r = ::poll(fds, n, timeout_ms);
    while (r < 0 && errno == EINTR);
    return r;
}
/// A blocking connect that, once interrupted, waits for the connection it started (up to 5 s).
inline int connect_retry(int fd, const sockaddr* addr, socklen_t len) {
    if (::connect(fd, addr, len) == 0) return 0;
    if (errno != EINTR) return -1;
    pollfd p{fd, POLLOUT, 0};
    if (poll_retry(&p, 1, 5000) <= 0) return -1;
    int err = 0;
    socklen_t err_len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}

/// Collects log lines from an engine (thread-safe).
struct log_capture {
    std::mutex mutex;
    std::vector<std::string> lines;

    corio::logger logger() {
        return [this](corio::log_level level, std::string_view line) {
            std::lock_guard lock(mutex);
            lines.push_back(std::string(corio::to_string(level)) + ": " + std::string(line));
        };
    }
    std::size_t count_containing(std::string_view needle) {
        std::lock_guard lock(mutex);
        std::size_t n = 0;
        for (auto& l : lines) n += l.find(needle) != std::string::npos;
        return n;
    }
};

/// Options for tests: no signal handling, quiet unless a capture is given.
inline corio::options test_options(std::size_t loops = 2, log_capture* capture = nullptr) {
    corio::options o;
    o.loops = loops;
    o.handle_signals = false;
    o.logger = capture ? capture->logger() : corio::null_logger();
    return o;
}

/// Polls `cond` until true or `limit` passes; returns the last value.
inline bool eventually(const std::function<bool()>& cond,
                       std::chrono::milliseconds limit = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!cond()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

/// An engine serving one handler on 127.0.0.1:0, started at construction and stopped (and
/// waited for) at destruction.
struct running_engine {
    corio::engine engine;
    std::uint16_t port = 0;

    running_engine(corio::options opts, corio::handler h, std::string url = "tcp://127.0.0.1:0")
        : engine(std::move(opts)) {
        port = engine.serve(url, std::move(h)).port;
        engine.start();
    }
    ~running_engine() {
        engine.stop();
        engine.wait();
    }
};

/// Raises the soft fd limit to the hard limit (1,000 connections need both ends here).
inline void raise_fd_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/// A blocking TCP client with timeouts.
class client {
public:
    explicit client(std::uint16_t port, const char* host = "127.0.0.1") {
        sockaddr_storage ss{};
        socklen_t len;
        if (std::strchr(host, ':')) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(port);
            ::inet_pton(AF_INET6, host, &a->sin6_addr);
            len = sizeof *a;
        } else {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_port = htons(port);
            ::inet_pton(AF_INET, host, &a->sin_addr);
            len = sizeof *a;
        }
        fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
        if (connect_retry(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
            int e = errno;
            ::close(fd_);
            throw std::runtime_error("connect: " + std::string(std::strerror(e)));
        }
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ~client() { close(); }
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    int fd() const { return fd_; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    /// Closes with an RST instead of a FIN.
    void reset() {
        linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close();
    }
    void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

    bool send(std::string_view data) {
        while (!data.empty()) {
            ssize_t n = send_retry(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    /// Reads exactly n bytes, or fewer if the peer closes or `limit` passes.
    std::string recv(std::size_t n, std::chrono::milliseconds limit = 5000ms) {
        std::string out;
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (out.size() < n) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{fd_, POLLIN, 0};
            if (poll_retry(&p, 1, static_cast<int>(left.count())) <= 0) break;
            char buf[65536];
            ssize_t k = recv_retry(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
            if (k <= 0) break;
            out.append(buf, static_cast<std::size_t>(k));
        }
        return out;
    }
    /// True if the peer closes (EOF or reset) within `limit`; data read meanwhile is dropped.
    bool wait_closed(std::chrono::milliseconds limit = 5000ms) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (poll_retry(&p, 1, static_cast<int>(left.count())) <= 0) return false;
            char buf[65536];
            ssize_t k = recv_retry(fd_, buf, sizeof buf, 0);
            if (k <= 0) return true;
        }
    }

private:
    int fd_ = -1;
};

/// The echo handler of the samples.
inline corio::task<> echo_handler(corio::connection& conn) {
    while (auto bytes = co_await conn.read()) {
        conn.write(bytes);
        conn.discard(bytes.size());
        auto failed = co_await conn.flush();
        if (failed) break;
    }
}

} // namespace test

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <future>

namespace test {

/// Runs a coroutine on loop `index` of a running engine and returns its result (rethrowing its
/// exception); fails the test if it takes longer than `limit`.
template <class T>
T run_on(corio::engine& e, corio::task<T> t, std::chrono::milliseconds limit = 10000ms,
         std::size_t index = 0) {
    auto fut = boost::asio::co_spawn(e.get_loop(index).get_executor(), std::move(t),
                                     boost::asio::use_future);
    REQUIRE(fut.wait_for(limit) == std::future_status::ready);
    return fut.get();
}

} // namespace test

#include <csignal>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace test {

/// A sample binary run as a child process, its stderr in a temporary log; stopped with
/// SIGTERM (then waited for) when the object goes.
class child_process {
public:
    explicit child_process(std::vector<std::string> args) {
        char path[] = "/tmp/corio-child-log-XXXXXX";
        int fd = ::mkstemp(path);
        REQUIRE(fd >= 0);
        log_path_ = path;
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(fd, 2);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(fd);
    }
    ~child_process() {
        stop();
        ::unlink(log_path_.c_str());
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    pid_t pid() const { return pid_; }
    std::string log() const {
        std::ifstream in(log_path_);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    /// Waits until the log says the server listens.
    bool wait_listening(std::chrono::milliseconds limit = 10000ms) const {
        return eventually([&] { return log().find("listening on") != std::string::npos; }, limit);
    }
    /// Resident memory in KiB (VmRSS), or 0 if unknown.
    std::size_t rss_kib() const {
        std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
        std::string line;
        while (std::getline(in, line))
            if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
        return 0;
    }
    /// SIGTERM, then the exit status (-1 if it had to be killed after 10 s).
    int stop() {
        if (pid_ <= 0) return status_;
        ::kill(pid_, SIGTERM);
        auto deadline = std::chrono::steady_clock::now() + 10s;
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                pid_ = -1;
                return status_ = -1;
            }
            std::this_thread::sleep_for(10ms);
        }
        pid_ = -1;
        return status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

private:
    pid_t pid_ = -1;
    int status_ = 0;
    std::string log_path_;
};

/// A port the kernel picked, free again (for a child process to bind).
/// A listener on 127.0.0.1 whose accept queue is full: the kernel drops further SYNs, so a
/// connect to `url` hangs (until the connector's own timeout). Never an unroutable address.
struct unaccepting_listener {
    int fd = -1;
    std::vector<int> fillers;
    std::string url;
    std::uint16_t port = 0;

    unaccepting_listener() {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 || ::listen(fd, 0) != 0)
            throw std::runtime_error("unaccepting_listener: bind/listen failed");
        socklen_t len = sizeof sin;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
        for (int i = 0; i < 4; ++i) {
            int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            ::connect(c, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
            fillers.push_back(c);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50)); // let the queue fill
        port = ntohs(sin.sin_port);
        url = "tcp://127.0.0.1:" + std::to_string(port);
    }
    ~unaccepting_listener() {
        for (int c : fillers) ::close(c);
        ::close(fd);
    }
    unaccepting_listener(const unaccepting_listener&) = delete;
    unaccepting_listener& operator=(const unaccepting_listener&) = delete;
};

inline std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    socklen_t len = sizeof sin;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
    ::close(fd);
    return ntohs(sin.sin_port);
}

} // namespace test

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace test {

/// A plain Asio client: connects to `ep`, writes `payload` while reading as many bytes back
/// (the server flushes with backpressure, so writing everything first could stall on full
/// socket buffers). Returns what came back: empty if the connect failed, short if the stream
/// ended early.
inline boost::asio::awaitable<std::string> asio_round_trip(boost::asio::ip::tcp::endpoint ep,
                                                           std::string payload) {
    namespace asio = boost::asio;
    using namespace asio::experimental::awaitable_operators;
    asio::ip::tcp::socket sock(co_await asio::this_coro::executor);
    auto [ec] = co_await sock.async_connect(ep, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return std::string();
    std::string back(payload.size(), '\0');
    auto writer = [&]() -> asio::awaitable<void> {
        co_await asio::async_write(sock, asio::buffer(payload),
                                   asio::as_tuple(asio::use_awaitable));
    };
    auto reader = [&]() -> asio::awaitable<std::size_t> {
        auto [e, n] = co_await asio::async_read(sock, asio::buffer(back),
                                                asio::as_tuple(asio::use_awaitable));
        co_return e ? 0 : n;
    };
    back.resize(co_await (writer() && reader()));
    co_return back;
}

/// Writes `payload` in writes of at most `chunk` bytes, each flushed (`after_flush`, if set,
/// sees the connection after each flush), while reading as many bytes back: an echo keeps up
/// only if both directions move. Returns what came back (shorter if the stream ended).
inline corio::task<std::string>
round_trip_in_chunks(corio::connection& conn, std::string_view payload, std::size_t chunk,
                     std::function<void(corio::connection&)> after_flush) {
    using namespace boost::asio::experimental::awaitable_operators;
    auto writer = [&]() -> corio::task<> {
        for (std::size_t sent = 0; sent < payload.size();) {
            std::size_t n = std::min(chunk, payload.size() - sent);
            conn.write(payload.substr(sent, n));
            sent += n;
            auto failed = co_await conn.flush();
            if (failed) co_return;
            if (after_flush) after_flush(conn);
        }
    };
    std::string got;
    auto reader = [&]() -> corio::task<> {
        while (got.size() < payload.size()) {
            auto b = co_await conn.read();
            if (!b) break;
            got += b;
            conn.discard(b.size());
        }
    };
    co_await (writer() && reader());
    co_return got;
}

/// round_trip_in_chunks with one write. (Not a default argument: g++ 12 mishandles coroutine
/// parameters that come from default arguments.)
inline corio::task<std::string> round_trip(corio::connection& conn, std::string_view payload) {
    return round_trip_in_chunks(conn, payload, payload.size() + 1, {});
}

/// Dials `url` and round-trips `payload` over the new connection.
inline corio::task<std::string> dial_round_trip(corio::engine& e, std::string url,
                                                std::string payload, corio::dial_options opts) {
    auto conn = co_await corio::dial(e, std::move(url), std::move(opts));
    co_return co_await round_trip(*conn, payload);
}

} // namespace test
