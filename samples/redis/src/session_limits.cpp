// The client limits a session applies (client_limits.hpp has the parameters): maxclients
// and tcp-keepalive when a client arrives, the output buffer limits wherever bytes are
// queued for it (its replies between commands, each delivery posted to it) and once a
// second from a per-loop ticker (the soft limit's seconds, and `timeout`), and the query
// buffer limit in the read loop (session.cpp).
#include "session.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace corio_redis {
namespace detail {

bool admit_client(server& srv, corio::connection& conn) {
    srv.total_connections.fetch_add(1, std::memory_order_relaxed);
    // Counted across all loops at once, so exactly maxclients get in, as in Redis (which
    // counts the clients there are before this one).
    if (srv.connected_clients.fetch_add(1, std::memory_order_relaxed) >= srv.cfg().maxclients()) {
        srv.connected_clients.fetch_sub(1, std::memory_order_relaxed);
        srv.rejected_connections.fetch_add(1, std::memory_order_relaxed);
        conn.write("-ERR max number of clients reached\r\n"); // best effort; then closed
        return false;
    }
    const int family = conn.remote_endpoint().data()->sa_family;
    if (family == AF_INET || family == AF_INET6)
        apply_tcp_keepalive(conn.socket().native_handle(), srv.cfg().tcp_keepalive());
    return true;
}

std::string session::client_info() const {
    std::string line;
    describe(line);
    return line;
}

const subscriber_ptr& session::delivery_target() {
    if (!me_) {
        me_ = std::make_shared<subscriber>();
        me_->conn = conn_.shared_from_this();
        me_->id = client_.id;
        me_->listener = this;
    }
    return me_;
}

bool session::output_over_limit() {
    if (killed_) return true;
    const output_limit limit = srv_.cfg().output_limit_for(limit_class());
    if (!limit.any()) return false;
    // As in Redis, only a client with replies past its fixed buffer is checked (so the soft
    // limit's clock is reset only by a check that finds it under the limit).
    const std::uint64_t used = reply_list_bytes(pending_output());
    if (used == 0 || !output_guard_.broken(used, limit)) return false;
    // Redis's words, which operators watch for.
    srv_.engine().log(corio::log_level::warn,
                      "Client " + client_info() +
                          " scheduled to be closed ASAP for overcoming of output buffer limits.");
    srv_.client_output_buffer_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
    kill(); // what is unsent is dropped, and the session ends at its next step
    return true;
}

void session::query_buffer_overflow() {
    std::string_view head = conn_.buffered();
    srv_.engine().log(corio::log_level::warn,
                      "Closing client that reached max query buffer length: " + client_info() +
                          " (qbuf initial bytes: " + quoted_repr(head.substr(0, 64)) + ")");
    srv_.client_query_buffer_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
}

void session::check_clients(server& srv, shard& sh) {
    const long long timeout = srv.cfg().idle_timeout();
    bool soft_limits = false;
    for (std::size_t c = 0; c < client_class_count; ++c)
        soft_limits = soft_limits || srv.cfg().output_limit_for(static_cast<client_class>(c)).soft;
    if (timeout <= 0 && !soft_limits) return;
    using clock = std::chrono::steady_clock;
    const auto now = clock::now();
    // Picked first, closed after: nothing here may change the list while it is read.
    std::vector<session*> idle, over;
    for (session* s : sh.sessions) {
        if (s->killed_) continue;
        // Bytes that moved either way since the last look are interaction too (Redis counts
        // its writes to a client), so a client taking a long reply slowly is not idle.
        const std::size_t pending = s->conn_.outbound_buffered();
        if (pending != s->seen_pending_) {
            s->seen_pending_ = pending;
            s->last_active_ = now;
        }
        // No timeout for MONITOR clients, subscribers (either protocol), clients blocked in
        // BLPOP and the like or held by CLIENT PAUSE, as in Redis; nor for one whose command
        // is under way.
        if (timeout > 0 && !s->monitoring_ && !s->subscribed() && !s->blocked_ &&
            !s->pause_timer_ && !s->running_ &&
            now - s->last_active_ > std::chrono::seconds(timeout)) {
            idle.push_back(s);
            continue;
        }
        if (soft_limits && pending != 0) over.push_back(s);
    }
    for (session* s : idle) {
        srv.engine().log(corio::log_level::debug, "Closing idle client " + s->client_info());
        s->kill();
    }
    for (session* s : over) s->output_over_limit();
}

} // namespace detail

void start_client_checks(server& srv) {
    using namespace std::chrono_literals;
    for (std::size_t i = 0; i < srv.shard_count(); ++i) {
        shard* sh = &srv.shard_at(i);
        srv.engine().every(1s, [&srv, sh] { detail::session::check_clients(srv, *sh); },
                           {.loop = i});
    }
}

} // namespace corio_redis
