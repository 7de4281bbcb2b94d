// The engine's private door into loops and connections (their lists, counts and shutdown
// hooks), kept out of the public headers.
#pragma once

#include <corio/connection.hpp>
#include <corio/engine.hpp>
#include <corio/loop.hpp>

#include <chrono>
#include <memory>

namespace corio {

struct engine_access {
    static std::atomic<std::size_t>& count(loop& l) noexcept { return l.count_; }
    static std::atomic<std::size_t>& goroutines(loop& l) noexcept { return l.goroutines_; }
    static detail::go_entry*& go_list(loop& l) noexcept { return l.go_first_; }
    static void set_engine(loop& l, engine& e) noexcept { l.engine_ = &e; }
    static void start(loop& l, std::optional<unsigned> cpu, std::chrono::microseconds idle_spin) {
        l.start(cpu, idle_spin);
    }
    static void stop(loop& l) noexcept { l.stop(); }
    static void join(loop& l) noexcept { l.join(); }
    static void attach(loop& l, connection& c) noexcept { l.attach(c); }
    static void detach(loop& l, connection& c) noexcept { l.detach(c); }

    /// Calls f(connection&) for each connection attached to l (loop thread only). f may
    /// detach the connection it is given.
    template <class F>
    static void for_each(loop& l, F&& f) {
        for (connection* c = l.first_; c;) {
            connection* next = c->next_;
            f(*c);
            c = next;
        }
    }

    /// Starts a sweep period; connections idle for a whole period give their buffers back.
    static void sweep(loop& l) noexcept {
        std::uint32_t previous = l.sweep_generation_++;
        for_each(l, [previous](connection& c) { c.park_if_idle(previous); });
    }

    static void begin_shutdown(connection& c) noexcept { c.begin_shutdown(); }
    static void force_close(connection& c) noexcept { c.force_close(); }
    static void close_now(connection& c) noexcept { c.close_socket(); }

    // ---- TLS ----
    static connection::socket_type& socket(connection& c) noexcept { return c.socket_; }
    static void set_tls(connection& c, std::unique_ptr<detail::tls_session> s) noexcept {
        c.tls_ = std::move(s);
    }
    static detail::tls_session* tls(connection& c) noexcept { return c.tls_.get(); }
    static task<std::error_code> tls_handshake(connection& c, bool server,
                                               std::chrono::milliseconds timeout) {
        return c.tls_handshake(server, timeout);
    }

    // ---- dialing (defined in engine_accept.cpp) ----
    /// The loop a dial goes to: the calling loop if asked and called from one, else the
    /// balancer's pick. Counts the connection on it at once (least_connections sees it).
    static loop& reserve_loop(engine& e, bool prefer_current);
    /// Undoes reserve_loop for a dial that failed.
    static void unreserve_loop(loop& l) noexcept {
        l.count_.fetch_sub(1, std::memory_order_relaxed);
    }
    /// On l's thread: the connection for a connected socket, listed like an accepted one.
    static std::shared_ptr<connection> adopt(engine& e, loop& l, connection::socket_type sock);
    /// The handle a dial returns: when the caller drops its last copy, the connection is
    /// flushed, closed and forgotten on its loop, as after a handler.
    static std::shared_ptr<connection> dial_handle(engine& e, loop& l,
                                                   std::shared_ptr<connection> conn);
};

} // namespace corio
