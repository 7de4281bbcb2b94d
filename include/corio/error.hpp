// corio's error values. End of stream, timeouts and full buffers are ordinary outcomes a
// handler checks (conn.error() == corio::errc::eof), never exceptions.
#pragma once

#include <corio/config.hpp>

#include <system_error>

namespace corio {

enum class errc {
    eof = 1,       ///< the peer closed its side
    timed_out,     ///< a read or idle timeout expired
    buffer_full,   ///< inbound or outbound data would pass the buffer cap
    shutting_down, ///< the engine is stopping; no new data will be read
    closed,        ///< the connection was closed locally
    queue_full,    ///< a bounded queue refused more work
    channel_closed,    ///< a send on (or a close of) a closed corio::chan
    canceled,          ///< a corio::context was canceled (Go's context.Canceled)
    deadline_exceeded, ///< a corio::context's deadline passed (Go's context.DeadlineExceeded)
};

/// The category of corio::errc ("corio").
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

} // namespace corio

template <>
struct std::is_error_code_enum<corio::errc> : std::true_type {};
