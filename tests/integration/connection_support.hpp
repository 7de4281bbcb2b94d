// What the connection tests share (connection_test.cpp, connection_limits_test.cpp,
// connection_write_test.cpp): a verifiable byte pattern and its reader, waits on futures,
// EOF and send-timeout helpers, and an echo handler.
#pragma once

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

namespace conn_test {

using steady = std::chrono::steady_clock;

inline long long ms_since(steady::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t).count();
}

// Byte i of a deterministic test stream. Not periodic in 256 (or any block size), so lost,
// repeated or reordered blocks are caught, not only wrong bytes.
inline char pattern_byte(std::uint64_t i) {
    std::uint32_t x = static_cast<std::uint32_t>(i) * 2654435761u;
    x ^= x >> 15;
    return static_cast<char>(x >> 24);
}

inline std::string pattern(std::uint64_t offset, std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = pattern_byte(offset + i);
    return s;
}

template <class T>
bool ready_within(std::future<T>& f, std::chrono::milliseconds limit = 5000ms) {
    return f.wait_for(limit) == std::future_status::ready;
}

// Bounds the client's blocking send() so a server that stops reading cannot hang a test.
inline void set_send_timeout(test::client& c, std::chrono::milliseconds limit) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(limit.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((limit.count() % 1000) * 1000);
    ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// True if the next thing the client sees within `limit` is a clean EOF (no data, no reset).
inline bool at_eof(test::client& c, std::chrono::milliseconds limit = 2000ms) {
    pollfd p{c.fd(), POLLIN, 0};
    if (test::poll_retry(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
    char b;
    return test::recv_retry(c.fd(), &b, 1, 0) == 0;
}

inline std::uint16_t local_port(test::client& c) {
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
inline pattern_read read_pattern(test::client& c, std::size_t total,
                                 std::chrono::milliseconds slow_for,
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
inline corio::task<> echo(corio::connection& conn) {
    for (;;) {
        auto b = co_await conn.read();
        if (!b) break;
        conn.write(b);
        conn.discard(b.size());
        auto failed = co_await conn.flush();
        if (failed) break;
    }
}

inline void check_echo_on(std::uint16_t port) {
    test::client c(port);
    REQUIRE(c.send("ping"));
    CHECK(c.recv(4, 3000ms) == "ping");
}

} // namespace conn_test
