// The engine's private door into loops and connections (their lists, counts and shutdown
// hooks), kept out of the public headers.
#pragma once

#include <corio/connection.hpp>
#include <corio/loop.hpp>

namespace corio {

struct engine_access {
    static std::atomic<std::size_t>& count(loop& l) noexcept { return l.count_; }
    static void start(loop& l, std::optional<unsigned> cpu) { l.start(cpu); }
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
        std::uint64_t previous = l.sweep_generation_++;
        for_each(l, [previous](connection& c) { c.park_if_idle(previous); });
    }

    static void begin_shutdown(connection& c) noexcept { c.begin_shutdown(); }
    static void force_close(connection& c) noexcept { c.force_close(); }
    static void close_now(connection& c) noexcept { c.close_socket(); }
};

} // namespace corio
