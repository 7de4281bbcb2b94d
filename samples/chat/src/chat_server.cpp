// The chat server: the hub (rooms, idle kicks, the shutdown goodbye), the per-connection
// reader (the engine's handler) and writer (a corio::go coroutine). See chat_server.hpp.
#include "chat_server.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

namespace chat {

namespace {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Go's `defer close(ch)`: closes the channel however the coroutine ends.
template <class T>
struct close_on_exit {
    corio::chan<T> ch;
    ~close_on_exit() { ch.close_if_open(); }
};

/// Nicknames and rooms: printable, no spaces and no ':' (so `NICK: text` reads one way).
bool valid_name(std::string_view s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    return std::none_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x21 || u == 0x7f || c == ':';
    });
}

// ---- the hub ------------------------------------------------------------------------------

struct member {
    std::shared_ptr<const client> c;
    std::string room;
    clock::time_point last_seen;
};

/// The rooms and their members. Only the hub coroutine touches it (Go's "share memory by
/// communicating": the connections reach it through the hub's channels).
class hub {
public:
    hub(const config& cfg, counters& stats, corio::engine& engine)
        : cfg_(cfg), stats_(stats), engine_(engine) {}

    void join(join_request r, clock::time_point now) {
        auto it = members_.find(r.who->id);
        if (it == members_.end()) {
            // A client this hub dropped or kicked may still send a /join before its reader
            // notices: its queue is closed, and it does not come back.
            if (r.who->out.is_closed()) return;
            it = members_.emplace(r.who->id, member{r.who, std::string(), now}).first;
            ++stats_.members;
            ++stats_.joined;
        }
        member& m = it->second;
        m.last_seen = now;
        if (!valid_name(r.room, cfg_.max_room)) {
            notify(m, "* usage: /join ROOM (no spaces or ':')\n");
            return;
        }
        if (m.room != r.room) {
            leave_room(m);
            m.room = std::move(r.room);
            rooms_[m.room].insert(m.c->id);
        }
        notify(m, fmt::format("* joined {}\n", m.room));
    }

    void leave(std::uint64_t id) {
        // Unknown when the hub kicked or dropped it first (its reader then says goodbye too).
        if (members_.count(id)) remove(id, "* bye\n");
    }

    void post(post_request p, clock::time_point now) {
        auto it = members_.find(p.from);
        if (it == members_.end()) return;
        member& sender = it->second;
        sender.last_seen = now;
        if (p.text.empty()) return; // a keepalive
        std::string line = fmt::format("{}: {}\n", sender.c->nick, p.text);
        // To every member of the room, the sender included. Go's chat servers drop a client
        // whose queue is full rather than wait for it: one slow reader must not stall the
        // hub, and so every room.
        auto room = rooms_.find(sender.room);
        if (room == rooms_.end()) return;
        std::vector<std::uint64_t> full;
        for (std::uint64_t id : room->second) {
            member& m = members_.at(id);
            std::string copy = line;
            if (m.c->out.try_send(copy))
                ++stats_.delivered;
            else
                full.push_back(id);
        }
        for (std::uint64_t id : full) {
            engine_.log(corio::log_level::info,
                        fmt::format("chat: dropped {} (#{}): its queue of {} lines is full",
                                    members_.at(id).c->nick, id, cfg_.outbound_queue));
            ++stats_.dropped_queue;
            remove(id, {}); // no goodbye: there is no room for one
        }
    }

    void kick_idle(clock::time_point now) {
        std::vector<std::uint64_t> idle;
        for (auto& [id, m] : members_)
            if (now - m.last_seen > cfg_.idle_timeout) idle.push_back(id);
        for (std::uint64_t id : idle) {
            engine_.log(corio::log_level::info,
                        fmt::format("chat: kicked {} (#{}): idle for over {} ms",
                                    members_.at(id).c->nick, id, cfg_.idle_timeout.count()));
            ++stats_.kicked_idle;
            remove(id, "* idle, bye\n");
        }
    }

    void close_all(std::string_view goodbye) {
        while (!members_.empty()) remove(members_.begin()->first, goodbye);
    }

private:
    void notify(member& m, std::string line) {
        if (m.c->out.try_send(line)) ++stats_.delivered;
    }

    void leave_room(member& m) {
        if (m.room.empty()) return;
        auto r = rooms_.find(m.room);
        r->second.erase(m.c->id);
        if (r->second.empty()) rooms_.erase(r);
    }

    // Go's `delete(h.clients, c); close(c.send)`: the writer sends what is queued (the
    // goodbye last) and closes the connection.
    void remove(std::uint64_t id, std::string_view goodbye) {
        auto it = members_.find(id);
        member& m = it->second;
        if (!goodbye.empty()) notify(m, std::string(goodbye));
        m.c->out.close_if_open();
        leave_room(m);
        members_.erase(it);
        --stats_.members;
    }

    const config& cfg_;
    counters& stats_;
    corio::engine& engine_;
    std::unordered_map<std::uint64_t, member> members_;
    std::unordered_map<std::string, std::unordered_set<std::uint64_t>> rooms_;
};

struct hub_inputs {
    corio::chan<join_request> join;
    corio::chan<std::uint64_t> leave;
    corio::chan<post_request> post;
};

// Go's `func (h *Hub) run()`: one select over the inputs, the idle ticker and the root
// context. Everything by value: corio::go does not wait for it.
corio::task<> run_hub(hub_inputs in, corio::context ctx, config cfg,
                      std::shared_ptr<counters> stats, corio::engine* engine) {
    hub h(cfg, *stats, *engine);
    // Kicks come at most a tenth of the timeout late (at least every second).
    auto period = std::clamp<std::chrono::milliseconds>(cfg.idle_timeout / 10, 10ms, 1000ms);
    corio::time_ticker idle_check(period);
    for (;;) {
        std::optional<join_request> j;
        std::optional<std::uint64_t> l;
        std::optional<post_request> p;
        auto i = co_await corio::select(corio::case_recv(in.join, j), corio::case_recv(in.leave, l),
                                        corio::case_recv(in.post, p),
                                        corio::case_recv(idle_check.c()), corio::case_done(ctx));
        auto now = clock::now();
        switch (i) {
        case 0:
            h.join(std::move(*j), now); // the hub's channels are never closed: a value
            break;
        case 1:
            h.leave(*l);
            break;
        case 2:
            h.post(std::move(*p), now);
            break;
        case 3:
            h.kick_idle(now);
            break;
        default:
            h.close_all("* server shutting down, bye\n");
            co_return;
        }
    }
}

// ---- a connection ---------------------------------------------------------------------------

/// The next line without its "\n" (or "\r\n"), copied out of the connection's buffer; nothing
/// once the stream ends, fails, times out, is closed or the line passes the inbound cap.
corio::task<std::optional<std::string>> read_line(corio::connection& conn) {
    auto b = co_await conn.read_until("\n");
    if (!b) co_return std::nullopt;
    std::string_view v = b.substr(0, b.size() - 1);
    if (v.ends_with('\r')) v.remove_suffix(1);
    std::string line(v);
    conn.discard(b.size()); // after the copy: the view points into the buffer
    co_return line;
}

// Go's writePump: drains the client's queue to the socket until the hub closes it (leave,
// kick, drop, shutdown) or the root context is done, then closes the connection, which ends
// the handler's read. `done` is closed last: the handler waits for it before it returns, so
// the connection outlives this coroutine (which holds it by shared_ptr all the same).
corio::task<> write_pump(std::shared_ptr<corio::connection> conn, corio::chan<std::string> out,
                         corio::context ctx, corio::chan<std::monostate> done,
                         std::shared_ptr<counters> stats) {
    close_on_exit<std::monostate> signal_done{done};
    bool stopping = false;
    for (;;) {
        std::optional<std::string> line;
        auto i = co_await corio::select(corio::case_recv(out, line), corio::case_done(ctx));
        stopping = i == 1;
        if (stopping || !line) break;
        bool ok = conn->write(*line);
        // Whatever else the hub has queued meanwhile leaves in the same flush.
        for (auto more = out.try_receive(); ok && more; more = out.try_receive())
            ok = conn->write(*more);
        if (!ok) break;
        // flush() would now wait for a peer that does not read (Go's servers bound it with a
        // write deadline): such a client is too slow for the room.
        if (conn->outbound_buffered() > conn->high_water_mark()) {
            ++stats->dropped_slow;
            break;
        }
        auto failed = co_await conn->flush();
        if (failed) break;
    }
    if (stopping) {
        // The hub says goodbye to every member once the root context is done and then closes
        // the queues: give it a moment (it is gone if it never started).
        for (;;) {
            std::optional<std::string> last;
            auto i = co_await corio::select(corio::case_recv(out, last), corio::case_timeout(1s));
            if (i == 1 || !last) break;
            conn->write(*last);
        }
    }
    while (auto more = out.try_receive()) conn->write(*more);
    co_await conn->close(); // bounded by close_timeout
}

/// Go's `select { case ch <- v: case <-ctx.Done(): }`: false if the context ended first.
template <class T>
corio::task<bool> send_or_done(corio::chan<T> ch, T v, corio::context ctx) {
    auto i = co_await corio::select(corio::case_send(ch, std::move(v)), corio::case_done(ctx));
    co_return i == 0;
}

} // namespace

server::server(config cfg)
    : cfg_(cfg), stats_(std::make_shared<counters>()), join_(cfg.hub_queue), leave_(cfg.hub_queue),
      post_(cfg.hub_queue) {
    auto [ctx, cancel] = corio::with_cancel(corio::context::background());
    ctx_ = ctx;
    cancel_ = cancel;
}

void server::start(corio::engine& engine) {
    hub_inputs in{join_, leave_, post_};
    corio::go(engine, "chat-hub", run_hub(std::move(in), ctx_, cfg_, stats_, &engine));
    // Go's `go func() { <-stop.Done(); cancel() }()`: the engine's stop, as soon as it begins,
    // cancels the root context (the handlers' shutting_down check stays as a second path).
    corio::go(engine, "chat-stop",
              [stop = engine.stop_context(), cancel = cancel_]() -> corio::task<> {
                  co_await stop.wait();
                  cancel();
              });
}

corio::handler server::handler() {
    return [this](corio::connection& conn) { return serve(conn); };
}

// Go's serveWs plus readPump: the nickname, then lines to the hub until the client quits,
// the stream ends or the writer closes the connection.
corio::task<> server::serve(corio::connection& conn) {
    // Until it has a name a client is not the hub's to kick: the nickname line gets the idle
    // timeout as its read deadline instead.
    conn.set_read_deadline(clock::now() + cfg_.idle_timeout);
    auto nick = co_await read_line(conn);
    conn.set_read_deadline(clock::time_point::max());
    if (!nick) {
        if (conn.error() == corio::errc::shutting_down) shutdown();
        co_return;
    }
    if (!valid_name(*nick, cfg_.max_nick)) {
        conn.write(
            fmt::format("* a nickname is 1 to {} characters, no spaces or ':'\n", cfg_.max_nick));
        co_return; // the engine flushes and closes
    }
    auto me = std::make_shared<const client>(
        client{next_id_.fetch_add(1), *nick, corio::chan<std::string>(cfg_.outbound_queue)});
    corio::chan<std::monostate> writer_done(0);
    corio::go("chat-writer",
              write_pump(conn.shared_from_this(), me->out, ctx_, writer_done, stats_));

    // Each request is named before the co_await: g++ 12 destroys a braced temporary twice
    // when it is a coroutine's by-value argument inside a co_await expression.
    join_request hello{me, "lobby"};
    bool going = co_await send_or_done(join_, std::move(hello), ctx_);
    while (going) {
        auto line = co_await read_line(conn);
        if (!line || *line == "/quit") break;
        std::string_view l = *line;
        if (l == "/join" || l.starts_with("/join ")) {
            l.remove_prefix(std::min<std::size_t>(l.size(), 6));
            join_request move{me, std::string(l)};
            going = co_await send_or_done(join_, std::move(move), ctx_);
        } else {
            post_request say{me->id, std::move(*line)};
            going = co_await send_or_done(post_, std::move(say), ctx_);
        }
    }
    if (conn.error() == corio::errc::shutting_down || ctx_.is_done()) {
        // The engine is stopping: the root context goes, and with it the hub (which says
        // goodbye to every member still listed and closes their queues) and every writer.
        // No leave: a leave could reach the hub before the root's done and take this member
        // off the list without its goodbye (select picks among ready cases at random).
        shutdown();
    } else {
        // Go's `h.unregister <- c`: the hub closes our queue, so the writer ends. Once the
        // root context is done there is no hub to tell, and the writer ends by itself.
        bool told = co_await send_or_done(leave_, me->id, ctx_);
        (void)told;
    }
    auto writer_ended = co_await writer_done.receive(); // nothing: closed by the writer
    (void)writer_ended;
}

} // namespace chat
