// UDP: echo of 10,000 random datagrams from several client sockets, oversized drops counted
// exactly, IPv6, one SO_REUSEPORT socket per loop, graceful and forced stop, sends by URL,
// ICMP errors, multicast on the loopback interface, and refused handler/scheme pairs.
#include "support.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>

using namespace std::chrono_literals;

namespace {

/// An engine serving one datagram handler, started at construction and stopped (and waited
/// for) at destruction. Keeps the sockets the handler ran on, for their counters.
struct udp_server {
    corio::engine engine;
    corio::listener_info info;
    std::mutex mutex;
    std::vector<corio::datagram_socket*> sockets;

    udp_server(corio::options opts, corio::datagram_handler h,
               std::string url = "udp://127.0.0.1:0")
        : engine(std::move(opts)) {
        info = engine.serve(url, [this, h = std::move(h)](corio::datagram_socket& s) {
            {
                std::lock_guard lock(mutex);
                sockets.push_back(&s);
            }
            return h(s);
        });
        engine.start();
        REQUIRE(test::eventually([&] {
            std::lock_guard lock(mutex);
            return sockets.size() == engine.loop_count();
        }));
    }
    ~udp_server() {
        engine.stop();
        engine.wait();
    }
    template <class F>
    std::uint64_t sum(F counter) {
        std::lock_guard lock(mutex);
        std::uint64_t n = 0;
        for (auto* s : sockets) n += counter(*s);
        return n;
    }
};

/// A plain POSIX UDP socket on 127.0.0.1 (or ::1), connected to the server's port unless told
/// otherwise; every wait has a timeout.
class udp_client {
public:
    explicit udp_client(std::uint16_t port, const char* host = "127.0.0.1", bool connect = true) {
        family_ = std::strchr(host, ':') ? AF_INET6 : AF_INET;
        fd_ = ::socket(family_, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
        int size = 1 << 20;
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        server_ = make_address(host, port);
        auto local = make_address(host, 0);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), length()) != 0)
            throw std::runtime_error("bind: " + std::string(std::strerror(errno)));
        if (connect && ::connect(fd_, reinterpret_cast<sockaddr*>(&server_), length()) != 0)
            throw std::runtime_error("connect: " + std::string(std::strerror(errno)));
    }
    ~udp_client() { ::close(fd_); }
    udp_client(const udp_client&) = delete;
    udp_client& operator=(const udp_client&) = delete;

    int fd() const { return fd_; }
    std::uint16_t local_port() const {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
        return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port); // same offset in v6
    }
    /// Sends to the connected server, or to `port` on 127.0.0.1 / 239.x when given one.
    bool send(std::string_view data) {
        return test::send_retry(fd_, data.data(), data.size(), 0) ==
               static_cast<ssize_t>(data.size());
    }
    bool send_to(std::string_view data, const char* host, std::uint16_t port) {
        auto to = make_address(host, port);
        return test::sendto_retry(fd_, data.data(), data.size(), 0,
                                  reinterpret_cast<sockaddr*>(&to),
                                  length()) == static_cast<ssize_t>(data.size());
    }
    /// One datagram, or nothing if none arrives within `limit`.
    std::optional<std::string> recv(std::chrono::milliseconds limit = 5000ms) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            if (auto d = try_recv()) return d;
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{fd_, POLLIN, 0};
            test::poll_retry(&p, 1, static_cast<int>(left.count()));
        }
    }
    /// One queued datagram without waiting.
    std::optional<std::string> try_recv() {
        for (;;) {
            ssize_t n = test::recv_retry(fd_, buffer_.data(), buffer_.size(), 0);
            if (n >= 0) return std::string(buffer_.data(), static_cast<std::size_t>(n));
            if (errno == ECONNREFUSED) continue; // ICMP for a datagram sent before the server
            return std::nullopt;
        }
    }

private:
    sockaddr_storage make_address(const char* host, std::uint16_t port) const {
        sockaddr_storage ss{};
        if (family_ == AF_INET6) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(port);
            ::inet_pton(AF_INET6, host, &a->sin6_addr);
        } else {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_port = htons(port);
            ::inet_pton(AF_INET, host, &a->sin_addr);
        }
        return ss;
    }
    socklen_t length() const {
        return family_ == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    }

    int fd_ = -1;
    int family_ = AF_INET;
    sockaddr_storage server_{};
    std::vector<char> buffer_ = std::vector<char>(70000);
};

corio::task<> udp_echo(corio::datagram_socket& s) {
    while (auto d = co_await s.receive()) co_await s.reply(d, d.payload());
}

std::string random_payload(std::mt19937& rng, std::size_t size) {
    std::string p(size, '\0');
    for (auto& c : p) c = static_cast<char>(rng());
    return p;
}

/// A port on 127.0.0.1 with nothing listening (bound, then closed).
std::uint16_t dead_port() {
    udp_client probe(1, "127.0.0.1", false);
    return probe.local_port();
}

bool ipv6_loopback_available() {
    int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

} // namespace

TEST_CASE("udp echo: 10,000 datagrams of random sizes from 8 sockets come back byte-identical") {
    udp_server server(test::test_options(2), udp_echo);
    constexpr int total = 10000, clients = 8;
    constexpr std::size_t window = 4; // in flight per socket: well under the kernel's buffers
    std::vector<std::unique_ptr<udp_client>> socks;
    for (int i = 0; i < clients; ++i)
        socks.push_back(std::make_unique<udp_client>(server.info.port));
    struct pending {
        std::string payload;
        std::chrono::steady_clock::time_point sent;
    };
    std::vector<std::vector<pending>> in_flight(clients);
    std::mt19937 rng(20240601);
    std::uniform_int_distribution<std::size_t> size_of(1, 8000);
    int sent = 0, answered = 0, mismatched = 0, lost = 0;
    auto deadline = std::chrono::steady_clock::now() + 60s;
    std::vector<pollfd> polls(clients);
    while ((sent < total ||
            std::any_of(in_flight.begin(), in_flight.end(), [](auto& v) { return !v.empty(); })) &&
           std::chrono::steady_clock::now() < deadline) {
        auto now = std::chrono::steady_clock::now();
        for (int i = 0; i < clients; ++i) {
            auto& f = in_flight[i];
            // A datagram unanswered for a second is lost (UDP may drop); it is not resent.
            auto old = std::remove_if(f.begin(), f.end(),
                                      [&](const pending& p) { return now - p.sent > 1s; });
            lost += static_cast<int>(f.end() - old);
            f.erase(old, f.end());
            while (f.size() < window && sent < total) {
                std::string p = random_payload(rng, size_of(rng));
                REQUIRE(socks[i]->send(p));
                f.push_back({std::move(p), now});
                ++sent;
            }
            polls[i] = {socks[i]->fd(), POLLIN, 0};
        }
        test::poll_retry(polls.data(), polls.size(), 50);
        for (int i = 0; i < clients; ++i) {
            while (auto d = socks[i]->try_recv()) {
                auto& f = in_flight[i];
                auto match = std::find_if(f.begin(), f.end(),
                                          [&](const pending& p) { return p.payload == *d; });
                if (match == f.end()) {
                    ++mismatched;
                    continue;
                }
                f.erase(match);
                ++answered;
            }
        }
    }
    CHECK(sent == total);
    CHECK(mismatched == 0);
    CHECK(answered + lost == total);
    CHECK(answered >= total * 99 / 100);
    MESSAGE("answered " << answered << " of " << total << ", lost " << lost);
    CHECK(server.sum([](auto& s) { return s.received(); }) >= static_cast<std::uint64_t>(answered));
    CHECK(server.sum([](auto& s) { return s.sent(); }) >= static_cast<std::uint64_t>(answered));
    CHECK(server.sum([](auto& s) { return s.dropped_oversized(); }) == 0);
}

TEST_CASE(
    "udp: datagrams over max_datagram_size are dropped and counted exactly; serving goes on") {
    auto opts = test::test_options(2);
    opts.max_datagram_size = 1024;
    udp_server server(opts, udp_echo);
    udp_client c(server.info.port);
    std::mt19937 rng(7);
    int oversized = 0;
    // Sizes around the limit first, then larger ones up to the largest IPv4 datagram.
    std::vector<std::size_t> big = {1025, 1026, 2048, 9000, 65507};
    for (std::size_t i = 0; i < 60; ++i) big.push_back(1025 + i * 1000);
    std::vector<std::size_t> fitting = {1024, 1023, 1, 512};
    for (std::size_t i = 0; i < big.size(); ++i) {
        REQUIRE(c.send(random_payload(rng, big[i])));
        ++oversized;
        // A fitting datagram from the same socket after it: its echo means the oversized one
        // was read (one server socket serves this client, in order).
        std::string ok = random_payload(rng, fitting[i % fitting.size()]);
        REQUIRE(c.send(ok));
        auto echoed = c.recv();
        REQUIRE(echoed);
        CHECK(*echoed == ok); // never an oversized one (it would be first)
    }
    CHECK(server.sum([](auto& s) { return s.dropped_oversized(); }) ==
          static_cast<std::uint64_t>(oversized));
    CHECK(server.sum([](auto& s) { return s.received(); }) == big.size());
    // Still serving, on every size up to the limit.
    for (std::size_t size : {1u, 100u, 1024u}) {
        std::string p = random_payload(rng, size);
        REQUIRE(c.send(p));
        auto echoed = c.recv();
        REQUIRE(echoed);
        CHECK(*echoed == p);
    }
    CHECK_FALSE(c.try_recv()); // nothing else came back
    CHECK(server.sum([](auto& s) { return s.dropped_oversized(); }) ==
          static_cast<std::uint64_t>(oversized));
}

TEST_CASE("udp: zero-length datagrams are datagrams") {
    udp_server server(test::test_options(1), udp_echo);
    udp_client c(server.info.port);
    REQUIRE(c.send(""));
    auto echoed = c.recv();
    REQUIRE(echoed);
    CHECK(echoed->empty());
    CHECK(server.sum([](auto& s) { return s.received(); }) == 1);
}

TEST_CASE("udp6 on ::1: echo and addresses") {
    if (!ipv6_loopback_available()) {
        MESSAGE("IPv6 loopback unavailable here; skipped");
        return;
    }
    udp_server server(
        test::test_options(2),
        [](corio::datagram_socket& s) -> corio::task<> {
            while (auto d = co_await s.receive()) {
                if (d.payload() == "who")
                    co_await s.reply(d, d.sender_address() + " " + s.local_address());
                else
                    co_await s.reply(d, d.payload());
            }
        },
        "udp6://[::1]:0");
    CHECK(server.info.local_address == "[::1]:" + std::to_string(server.info.port));
    udp_client c(server.info.port, "::1");
    std::mt19937 rng(6);
    for (int i = 0; i < 200; ++i) {
        std::string p = random_payload(rng, 1 + rng() % 4000);
        REQUIRE(c.send(p));
        auto echoed = c.recv();
        REQUIRE(echoed);
        CHECK(*echoed == p);
    }
    REQUIRE(c.send("who"));
    auto who = c.recv();
    REQUIRE(who);
    CHECK(*who == "[::1]:" + std::to_string(c.local_port()) + " " + server.info.local_address);
}

TEST_CASE("udp: two loops get one SO_REUSEPORT socket each on the same port") {
    udp_server server(test::test_options(2), [](corio::datagram_socket& s) -> corio::task<> {
        while (auto d = co_await s.receive())
            co_await s.reply(d, std::to_string(s.loop_index()) + " " + s.local_address() + " " +
                                    d.sender_address());
    });
    {
        std::lock_guard lock(server.mutex);
        REQUIRE(server.sockets.size() == 2);
        CHECK(server.sockets[0]->local_endpoint().port() == server.info.port);
        CHECK(server.sockets[1]->local_endpoint().port() == server.info.port);
        CHECK(&server.sockets[0]->owner() != &server.sockets[1]->owner());
    }
    std::string local = "127.0.0.1:" + std::to_string(server.info.port);
    CHECK(server.info.local_address == local);
    std::set<std::string> loops_seen;
    // The kernel spreads sockets by a hash of their addresses: 64 clients reach both loops
    // (each client stays on one).
    for (int i = 0; i < 64; ++i) {
        udp_client c(server.info.port);
        std::string first;
        for (int k = 0; k < 3; ++k) {
            REQUIRE(c.send("?"));
            auto r = c.recv();
            REQUIRE(r);
            std::string expected_tail =
                " " + local + " 127.0.0.1:" + std::to_string(c.local_port());
            REQUIRE(r->size() > expected_tail.size());
            CHECK(r->substr(1) == expected_tail);
            if (k == 0) first = *r;
            CHECK(*r == first);
        }
        loops_seen.insert(first.substr(0, 1));
    }
    CHECK(loops_seen == std::set<std::string>{"0", "1"});
}

TEST_CASE("udp: a single-loop socket is exclusive; a second bind of its port fails") {
    udp_server server(test::test_options(1), udp_echo);
    corio::engine other(test::test_options(1));
    CHECK_THROWS_WITH_AS(
        other.serve("udp://127.0.0.1:" + std::to_string(server.info.port), udp_echo),
        doctest::Contains("cannot bind"), std::system_error);
}

TEST_CASE("udp: graceful stop wakes receive with shutting_down; sends still work") {
    auto opts = test::test_options(2);
    opts.shutdown_timeout = 10s;
    std::atomic<int> shutting_down{0}, finished{0}, finished_at_shutdown_hook{-1};
    opts.on_shutdown = [&](corio::engine&) { finished_at_shutdown_hook = finished.load(); };
    std::mutex mutex;
    std::optional<corio::udp_endpoint> last_sender;
    corio::engine engine(opts);
    auto info = engine.serve("udp://127.0.0.1:0", [&](corio::datagram_socket& s) -> corio::task<> {
        corio::udp_endpoint peer;
        bool have_peer = false;
        for (;;) {
            auto d = co_await s.receive();
            if (!d) {
                if (d.error() == corio::errc::shutting_down) {
                    if (s.shutting_down()) ++shutting_down;
                    if (have_peer) co_await s.send_to("bye", peer);
                }
                break;
            }
            peer = d.sender();
            have_peer = true;
            co_await s.reply(d, d.payload());
        }
        ++finished;
    });
    engine.start();
    udp_client c(info.port);
    REQUIRE(c.send("hello"));
    REQUIRE(c.recv() == std::optional<std::string>("hello"));
    auto started = std::chrono::steady_clock::now();
    engine.stop();
    engine.wait();
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(took < 3s); // woken, not waiting for shutdown_timeout
    CHECK(shutting_down == 2);
    CHECK(finished == 2);
    CHECK(finished_at_shutdown_hook == 2);
    CHECK(c.recv(2000ms) == std::optional<std::string>("bye"));
}

TEST_CASE("udp: a handler that ignores shutting_down is closed after shutdown_timeout") {
    test::log_capture logs;
    auto opts = test::test_options(2, &logs);
    opts.shutdown_timeout = 200ms;
    std::atomic<int> closed{0}, shutdown_seen{0};
    corio::engine engine(opts);
    engine.serve("udp://127.0.0.1:0", [&](corio::datagram_socket& s) -> corio::task<> {
        for (;;) {
            auto d = co_await s.receive();
            if (d) continue;
            if (d.error() == corio::errc::shutting_down) {
                ++shutdown_seen;
                continue; // stubborn: keeps receiving
            }
            if (d.error() == corio::errc::closed) ++closed;
            break;
        }
    });
    engine.start();
    std::this_thread::sleep_for(20ms);
    auto started = std::chrono::steady_clock::now();
    engine.stop();
    engine.wait();
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(took >= 200ms);
    CHECK(took < 3s);
    CHECK(closed == 2);
    CHECK(shutdown_seen >= 2);
    CHECK(logs.count_containing("datagram handler(s) still running") == 1);
}

TEST_CASE("udp: sends by URL, unreachable ports and ICMP errors do not end the handler") {
    auto dead = dead_port();
    udp_client target(1, "127.0.0.1", false); // gets the forwarded datagrams
    udp_server server(test::test_options(1), [&](corio::datagram_socket& s) -> corio::task<> {
        // Unconnected UDP sockets only hear of ICMP errors with IP_RECVERR: ask for them, so
        // receive() meets ECONNREFUSED after sending to a dead port.
        int one = 1;
        ::setsockopt(s.socket().native_handle(), IPPROTO_IP, IP_RECVERR, &one, sizeof one);
        while (auto d = co_await s.receive()) {
            std::string_view p = d.payload();
            if (p == "forward") {
                auto ec = co_await s.send_to("forwarded", "udp://127.0.0.1:" +
                                                              std::to_string(target.local_port()));
                co_await s.reply(d, ec ? "forward failed" : "forward ok");
            } else if (p == "dead") {
                // Queues an ICMP port unreachable: the next receive() meets ECONNREFUSED.
                co_await s.send_to("nobody", "udp://127.0.0.1:" + std::to_string(dead));
            } else if (p == "dead, then reply") {
                // Here the reply's sendto meets it, and must still send.
                co_await s.send_to("nobody", "udp://127.0.0.1:" + std::to_string(dead));
                boost::asio::steady_timer pause(s.get_executor(), 20ms);
                co_await pause.async_wait(boost::asio::use_awaitable);
                auto ec = co_await s.reply(d, "replied");
                if (ec) co_await s.reply(d, "reply failed: " + ec.message());
            } else if (p == "bad url") {
                auto a = co_await s.send_to("x", "udp://no-such-host:1");
                auto b = co_await s.send_to("x", "tcp://127.0.0.1:1");
                auto ok = a == std::errc::invalid_argument && b == std::errc::invalid_argument;
                co_await s.reply(d, ok ? "einval" : "unexpected");
            } else if (p == "try") {
                auto ec = s.try_send_to("tried", d.sender());
                if (ec) co_await s.reply(d, "try failed");
            } else {
                co_await s.reply(d, p);
            }
        }
    });
    udp_client c(server.info.port);
    auto ask = [&](std::string_view q) {
        REQUIRE(c.send(q));
        auto r = c.recv();
        REQUIRE(r);
        return *r;
    };
    CHECK(ask("forward") == "forward ok");
    CHECK(target.recv() == std::optional<std::string>("forwarded"));
    for (int i = 0; i < 5; ++i) {
        REQUIRE(c.send("dead"));
        std::this_thread::sleep_for(20ms); // the ICMP error lands on the server's socket
        CHECK(ask("ping") == "ping");
        CHECK(ask("dead, then reply") == "replied");
        CHECK(ask("ping") == "ping");
    }
    CHECK(ask("bad url") == "einval");
    CHECK(ask("try") == "tried");
    CHECK_THROWS_AS(corio::parse_udp_endpoint("udp://localhost:1"), std::invalid_argument);
    CHECK_THROWS_AS(corio::parse_udp_endpoint("udp4://[::1]:1"), std::invalid_argument);
    CHECK(corio::parse_udp_endpoint("udp6://[::1]:53").port() == 53);
    CHECK(corio::parse_udp_endpoint("udp://127.0.0.1:9").address().to_string() == "127.0.0.1");
}

TEST_CASE("udp: multicast on the loopback interface, joined at serve time and at run time") {
    // Each group datagram must be handled once, by the socket that joined (loop 0), although
    // both loops' sockets are bound to the group's port.
    constexpr const char* group = "239.255.71.13";
    std::unique_ptr<udp_server> server;
    auto handler = [](corio::datagram_socket& s) -> corio::task<> {
        while (auto d = co_await s.receive())
            co_await s.reply(d, "loop " + std::to_string(s.loop_index()));
    };
    try {
        server = std::make_unique<udp_server>(test::test_options(2), handler,
                                              std::string("udp://") + group + ":0?join=" + group +
                                                  "&interface=127.0.0.1");
    } catch (const std::system_error& e) {
        MESSAGE("multicast on loopback unavailable here: " << e.what());
        return;
    }
    udp_client sender(1, "127.0.0.1", false);
    in_addr lo{};
    ::inet_pton(AF_INET, "127.0.0.1", &lo);
    ::setsockopt(sender.fd(), IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof lo);
    int ttl = 0; // never leaves this host
    ::setsockopt(sender.fd(), IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
    for (int i = 0; i < 20; ++i) {
        REQUIRE(sender.send_to("hi", group, server->info.port));
        auto r = sender.recv();
        REQUIRE(r);
        CHECK(*r == "loop 0");
    }
    CHECK_FALSE(sender.recv(100ms)); // no second copy
    CHECK(server->sum([](auto& s) { return s.received(); }) == 20);

    // Run-time joins and their errors.
    constexpr const char* group2 = "239.255.71.14";
    std::atomic<int> joined{0};
    std::atomic<bool> errors_ok{false};
    udp_server late(
        test::test_options(1),
        [&](corio::datagram_socket& s) -> corio::task<> {
            errors_ok = s.join_multicast("127.0.0.1") == std::errc::invalid_argument &&
                        s.join_multicast("not an address") == std::errc::invalid_argument &&
                        s.join_multicast(group2, "nonsense") == std::errc::invalid_argument;
            auto ec = s.join_multicast(group2, "127.0.0.1");
            joined = ec ? -1 : 1;
            while (auto d = co_await s.receive()) co_await s.reply(d, "late");
        },
        std::string("udp://") + group2 + ":0");
    REQUIRE(test::eventually([&] { return joined != 0; }));
    CHECK(errors_ok);
    REQUIRE(joined == 1);
    REQUIRE(sender.send_to("hi", group2, late.info.port));
    CHECK(sender.recv() == std::optional<std::string>("late"));
}

TEST_CASE("udp: handler and scheme must match; bad udp addresses and options are refused") {
    corio::engine engine(test::test_options(1));
    auto stream = [](corio::connection&) -> corio::task<> { co_return; };
    CHECK_THROWS_WITH_AS(engine.serve("udp://127.0.0.1:0", stream),
                         doctest::Contains("datagram_handler"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(engine.serve("udp6://[::1]:0", stream), doctest::Contains("datagram"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(engine.serve("tcp://127.0.0.1:0", udp_echo),
                         doctest::Contains("stream scheme"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(engine.serve("unix:///tmp/corio-udp-test.sock", udp_echo),
                         doctest::Contains("stream scheme"), std::invalid_argument);
    CHECK_THROWS_AS(engine.serve("udp://127.0.0.1:0", corio::datagram_handler{}),
                    std::invalid_argument);
    CHECK_THROWS_WITH_AS(engine.serve("udp4://[::1]:0", udp_echo), doctest::Contains("IPv4"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(engine.serve("udp://127.0.0.1:0?color=red", udp_echo),
                         doctest::Contains("query parameter"), std::invalid_argument);
    auto opts = test::test_options(1);
    opts.max_datagram_size = 0;
    CHECK_THROWS_WITH_AS(corio::engine{opts}, doctest::Contains("max_datagram_size"),
                         std::invalid_argument);
    opts.max_datagram_size = 70000;
    CHECK_THROWS_WITH_AS(corio::engine{opts}, doctest::Contains("max_datagram_size"),
                         std::invalid_argument);
}

TEST_CASE("udp: a throwing handler is logged and closes only its socket") {
    test::log_capture logs;
    udp_server server(test::test_options(1, &logs), [](corio::datagram_socket& s) -> corio::task<> {
        while (auto d = co_await s.receive()) {
            if (d.payload() == "throw") throw std::runtime_error("boom");
            co_await s.reply(d, d.payload());
        }
    });
    udp_client c(server.info.port);
    REQUIRE(c.send("x"));
    CHECK(c.recv() == std::optional<std::string>("x"));
    REQUIRE(c.send("throw"));
    REQUIRE(test::eventually([&] { return logs.count_containing("boom") == 1; }));
    CHECK(logs.count_containing("datagram handler") == 1);
    REQUIRE(c.send("x"));
    CHECK_FALSE(c.recv(200ms)); // the socket is closed
}
