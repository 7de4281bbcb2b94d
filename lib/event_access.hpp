// The event-handler adapter's private door into connections (lib/event_*.cpp): ending a
// pending read early for wake(), sending now for flush(), and the write state its deferred
// writes check. Kept out of the public headers, like engine_access.
#pragma once

#include <corio/connection.hpp>
#include <corio/error.hpp>

#include <span>
#include <string_view>
#include <system_error>

namespace corio {

struct event_access {
    using reason = connection::cancel_reason;

    /// Ends the connection's pending read now with an empty view and error() unset. With no
    /// read waiting (the handler is flushing, or a read is yielding to the loop), the next
    /// wait of a read returns so at once instead: a wake is never lost. Loop thread.
    static void wake_read(connection& c) noexcept {
        if (!c.reading_) {
            c.cancel_reason_ = reason::wake;
            return;
        }
        switch (c.cancel_reason_) {
        case reason::none:
            c.cancel_read(reason::wake);
            return;
        case reason::park:
            // A park is already waking the read: make it a wake (parking only saves memory).
            c.cancel_reason_ = reason::wake;
            return;
        case reason::timeout:
        case reason::shutdown:
        case reason::context:
        case reason::wake:
            return; // that read ends anyway (with its error, or woken)
        }
    }

    /// Drops a wake not delivered yet: on_traffic has run since it was asked for.
    static void clear_wake(connection& c) noexcept {
        if (!c.reading_ && c.cancel_reason_ == reason::wake) c.cancel_reason_ = reason::none;
    }

    /// Whether write() would take bytes now.
    static bool can_write(const connection& c) noexcept {
        return !c.write_error_ && !c.closed_ && !c.write_shut_;
    }

    /// Why writes fail: the write error, errc::closed once closed, else {}.
    static std::error_code write_error(const connection& c) noexcept {
        if (c.write_error_) return c.write_error_;
        if (c.closed_) return errc::closed;
        return {};
    }

    /// Sends what the socket takes now; the background drain sends the rest. Loop thread.
    static void send_now(connection& c) { c.send_or_arm_drain(); }

    /// connection::writev for a span: all pieces in order, or none. Loop thread.
    static bool writev(connection& c, std::span<const std::string_view> pieces) {
        if (!can_write(c)) return false;
        std::size_t total = 0;
        for (auto p : pieces) total += p.size();
        if (total > c.outbound_.max_size() - c.outbound_.size()) {
            c.fail_write(errc::buffer_full);
            return false;
        }
        for (auto p : pieces) c.outbound_.write(p);
        return true;
    }

    /// Closes the socket at once, without flushing. Loop thread.
    static void close_now(connection& c) noexcept { c.close_socket(); }
};

} // namespace corio
