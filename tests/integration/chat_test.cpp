// samples/chat's server (built in from samples/chat/src): 200 clients on 4 loops in one room,
// every broadcast reaching every member exactly once, idle members kicked and the others
// not, a client that does not read dropped while the room goes on, and a clean shutdown.
// The clients are non-blocking sockets polled from the test thread (200 blocking clients
// would need 200 threads).
#include "support.hpp"

#include "../../samples/chat/src/chat_server.hpp"

#include <fcntl.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

struct chat_client {
    int fd = -1;
    std::string nick;
    std::string partial;                // bytes after the last "\n"
    std::map<std::string, int> counts;  // each line received, how many times
    std::vector<std::string> notices;   // "* ..." lines, in order
    std::size_t messages = 0;           // lines that are not notices
    bool closed = false;                // EOF or reset seen
    bool quiet = false;                 // sends no keepalives (to be kicked)
    bool reads = true;                  // false: never reads (to be dropped)
    clock_type::time_point last_sent{}; // the last line sent
    clock_type::time_point closed_at{};

    bool has_notice(std::string_view n) const {
        return std::find(notices.begin(), notices.end(), n) != notices.end();
    }
};

/// Clients of one chat server, driven by pump(): reads whatever arrived into lines, and
/// sends a keepalive (an empty line) every `keepalive` to each client not marked quiet.
class chat_clients {
public:
    chat_clients(std::uint16_t port, std::size_t n, std::chrono::milliseconds keepalive)
        : keepalive_(keepalive) {
        for (std::size_t i = 0; i < n; ++i) add(port, "u" + std::to_string(i), 0);
    }
    ~chat_clients() {
        for (auto& c : clients_)
            if (c.fd >= 0) ::close(c.fd);
    }
    chat_clients(const chat_clients&) = delete;
    chat_clients& operator=(const chat_clients&) = delete;

    /// Connects one more client named `nick`; rcvbuf > 0 sets SO_RCVBUF first.
    std::size_t add(std::uint16_t port, std::string nick, int rcvbuf) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(port);
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(test::connect_retry(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        chat_client c;
        c.fd = fd;
        c.nick = std::move(nick);
        clients_.push_back(std::move(c));
        send(clients_.size() - 1, clients_.back().nick + "\n");
        return clients_.size() - 1;
    }

    chat_client& operator[](std::size_t i) { return clients_[i]; }
    std::size_t size() const { return clients_.size(); }
    std::vector<chat_client>& all() { return clients_; }

    /// Sends a whole line (waiting for room if the socket is full; lines are small).
    void send(std::size_t i, std::string_view data) {
        auto& c = clients_[i];
        auto deadline = clock_type::now() + 5s;
        while (!data.empty() && clock_type::now() < deadline) {
            ssize_t n = test::send_retry(c.fd, data.data(), data.size(), MSG_NOSIGNAL);
            if (n > 0) {
                data.remove_prefix(static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                pollfd p{c.fd, POLLOUT, 0};
                test::poll_retry(&p, 1, 10);
                continue;
            }
            return; // the server closed it: the checks see that
        }
        c.last_sent = clock_type::now();
    }

    /// Pumps until cond() holds or `limit` passes; returns cond().
    bool pump_until(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
        auto deadline = clock_type::now() + limit;
        for (;;) {
            if (cond()) return true;
            if (clock_type::now() > deadline) return false;
            pump_once();
        }
    }
    /// Pumps for `d` (catches late or doubled lines).
    void pump_for(std::chrono::milliseconds d) {
        pump_until([] { return false; }, d);
    }

private:
    void pump_once() {
        std::vector<pollfd> fds;
        std::vector<std::size_t> which;
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            if (clients_[i].closed || !clients_[i].reads) continue;
            fds.push_back({clients_[i].fd, POLLIN, 0});
            which.push_back(i);
        }
        if (!fds.empty()) test::poll_retry(fds.data(), fds.size(), 5);
        for (std::size_t k = 0; k < fds.size(); ++k)
            if (fds[k].revents) drain(clients_[which[k]]);
        auto now = clock_type::now();
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            auto& c = clients_[i];
            if (!c.closed && !c.quiet && now - c.last_sent >= keepalive_) send(i, "\n");
        }
    }

    static void drain(chat_client& c) {
        char buf[65536];
        for (;;) {
            ssize_t n = test::recv_retry(c.fd, buf, sizeof buf, 0);
            if (n > 0) {
                c.partial.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            c.closed = true; // EOF or reset
            c.closed_at = clock_type::now();
            break;
        }
        std::size_t start = 0;
        for (std::size_t nl; (nl = c.partial.find('\n', start)) != std::string::npos;
             start = nl + 1) {
            std::string line = c.partial.substr(start, nl - start);
            if (line.starts_with("* "))
                c.notices.push_back(line);
            else
                ++c.messages;
            ++c.counts[line];
        }
        c.partial.erase(0, start);
    }

    std::vector<chat_client> clients_;
    std::chrono::milliseconds keepalive_;
};

/// The engine and the chat server for one test; the server outlives the engine's run.
struct chat_fixture {
    test::log_capture log;
    chat::server chat;
    std::unique_ptr<corio::engine> engine;
    std::uint16_t port = 0;

    chat_fixture(chat::config cfg, corio::options opts) : chat(cfg) {
        opts.logger = log.logger();
        engine = std::make_unique<corio::engine>(std::move(opts));
        port = engine->serve("tcp://127.0.0.1:0", chat.handler()).port;
        engine->start();
        chat.start(*engine);
    }
    ~chat_fixture() {
        engine->stop();
        engine->wait();
    }
    std::size_t bad_log_lines() {
        return log.count_containing("error: ") + log.count_containing("warn: ");
    }
};

} // namespace

TEST_CASE("chat: 200 clients on 4 loops: broadcasts reach every member once, idle members are "
          "kicked, shutdown is clean") {
    test::raise_fd_limit();
    chat::config cfg;
    cfg.idle_timeout = 300ms;
    auto opts = test::test_options(4);
    opts.shutdown_timeout = 3000ms;
    chat_fixture f(cfg, opts);
    constexpr std::size_t n = 200, broadcasts = 40;
    // Keepalives every 40 ms leave the hub 260 ms of slack before it would kick anyone.
    chat_clients cs(f.port, n, 40ms);
    for (std::size_t i = 0; i < n; ++i) cs.send(i, "/join room1\n");
    REQUIRE(cs.pump_until(
        [&] {
            return std::all_of(cs.all().begin(), cs.all().end(),
                               [](const chat_client& c) { return c.has_notice("* joined room1"); });
        },
        10s));
    CHECK(f.chat.stats().members == n);
    for (std::size_t l = 0; l < 4; ++l) CHECK(f.engine->get_loop(l).connection_count() > 0);

    // Broadcasts from 40 different members, all at once (40 fit every member's queue of 64,
    // so nobody is dropped for being slow).
    auto line_of = [](std::size_t k) { return "m" + std::to_string(k); };
    auto sender_of = [](std::size_t k) { return (k * 5) % n; };
    for (std::size_t k = 0; k < broadcasts; ++k) cs.send(sender_of(k), line_of(k) + "\n");
    bool all_arrived = cs.pump_until(
        [&] {
            return std::all_of(cs.all().begin(), cs.all().end(),
                               [](const chat_client& c) { return c.messages >= broadcasts; });
        },
        15s);
    cs.pump_for(100ms); // anything doubled arrives meanwhile
    CHECK(all_arrived);
    std::size_t exact = 0;
    for (auto& c : cs.all()) {
        bool ok = !c.closed && c.messages == broadcasts;
        for (std::size_t k = 0; k < broadcasts && ok; ++k) {
            auto it = c.counts.find("u" + std::to_string(sender_of(k)) + ": " + line_of(k));
            ok = it != c.counts.end() && it->second == 1;
        }
        exact += ok;
    }
    CHECK(exact == n);
    CHECK(f.chat.stats().dropped_queue == 0);
    CHECK(f.chat.stats().dropped_slow == 0);
    CHECK(f.chat.stats().kicked_idle == 0);

    // Two members fall silent: kicked once the idle timeout has passed, and only they.
    cs[0].quiet = cs[1].quiet = true;
    bool kicked = cs.pump_until([&] { return cs[0].closed && cs[1].closed; }, 3s);
    CHECK(kicked);
    for (std::size_t i : {0u, 1u}) {
        CAPTURE(i);
        CHECK(cs[i].has_notice("* idle, bye"));
        auto silent = cs[i].closed_at - cs[i].last_sent;
        CHECK(silent >= cfg.idle_timeout);
        CHECK(silent < cfg.idle_timeout + 1500ms);
    }
    cs.pump_for(400ms); // past another idle timeout: the others' keepalives hold
    std::size_t alive = 0, wrongly_kicked = 0;
    for (std::size_t i = 2; i < n; ++i) {
        alive += !cs[i].closed;
        wrongly_kicked += cs[i].has_notice("* idle, bye");
    }
    CHECK(alive == n - 2);
    CHECK(wrongly_kicked == 0);
    CHECK(f.chat.stats().kicked_idle == 2);
    CHECK(f.chat.stats().members == n - 2);

    // The room goes on without them: one more broadcast reaches each of the rest once.
    cs.send(7, "after\n");
    CHECK(cs.pump_until(
        [&] {
            for (std::size_t i = 2; i < n; ++i)
                if (cs[i].counts["u7: after"] != 1) return false;
            return true;
        },
        10s));

    // Shutdown: the engine's stop reaches the hub through the root context; every member
    // is told and closed, well within the shutdown timeout, and nothing is logged as an
    // error or a warning.
    auto t0 = clock_type::now();
    f.engine->stop();
    f.engine->wait();
    auto took = clock_type::now() - t0;
    CHECK(took < 1500ms);
    CHECK(f.chat.root().err() == corio::errc::canceled);
    CHECK(f.chat.stats().members == 0);
    CHECK(cs.pump_until(
        [&] {
            return std::all_of(cs.all().begin(), cs.all().end(),
                               [](const chat_client& c) { return c.closed; });
        },
        3s));
    std::size_t told = 0;
    for (std::size_t i = 2; i < n; ++i) told += cs[i].has_notice("* server shutting down, bye");
    CHECK(told == n - 2);
    CHECK(f.bad_log_lines() == 0);
}

TEST_CASE("chat: a member that does not read is dropped; the room goes on") {
    chat::config cfg;
    auto opts = test::test_options(2);
    // Small buffers, so that the reader who does not read backs its writer up soon.
    opts.outbound_high_water = 16 * 1024;
    opts.socket_send_buffer = 8 * 1024;
    opts.close_timeout = 200ms;
    chat_fixture f(cfg, opts);
    chat_clients cs(f.port, 3, 1000ms);
    std::size_t slow = cs.add(f.port, "slow", 4096);
    cs[slow].reads = false;
    REQUIRE(cs.pump_until([&] { return f.chat.stats().members == 4; }, 5s));

    // 2000 lines of 200 bytes from u0, in batches the readers take before the next (so only
    // the one who does not read falls behind).
    const std::string text(200, 'x');
    constexpr std::size_t lines = 2000, batch = 16;
    std::size_t sent = 0;
    while (sent < lines) {
        std::string chunk;
        for (std::size_t b = 0; b < batch; ++b) chunk += text + "\n";
        cs.send(0, chunk);
        sent += batch;
        bool caught_up = cs.pump_until(
            [&] {
                for (std::size_t i = 0; i < 3; ++i)
                    if (cs[i].messages < sent) return false;
                return true;
            },
            10s);
        REQUIRE(caught_up);
    }
    CHECK(cs.pump_until([&] { return f.chat.stats().members == 3; }, 5s));
    // Dropped by its writer (the socket's backlog passed the high water) or by the hub (its
    // queue filled while the writer lagged), or both, one after the other; the readers, who
    // keep up, are never dropped (checked below: all lines, not closed).
    std::size_t by_writer = f.chat.stats().dropped_slow, by_hub = f.chat.stats().dropped_queue;
    CAPTURE(by_writer);
    CAPTURE(by_hub);
    auto drops = by_writer + by_hub;
    CHECK(drops >= 1);
    CHECK(drops <= 2);
    for (std::size_t i = 0; i < 3; ++i) {
        CAPTURE(i);
        CHECK(cs[i].messages == lines);
        CHECK(cs[i].counts["u0: " + text] == static_cast<int>(lines));
        CHECK_FALSE(cs[i].closed);
    }
    CHECK(f.bad_log_lines() == 0);
}
