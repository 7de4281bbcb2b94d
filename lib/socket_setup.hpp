// Socket options accepted, dialed and datagram sockets get from engine options.
#pragma once

#include <corio/engine.hpp>

namespace corio::detail {

/// TCP_NODELAY, keepalive and kernel buffer sizes, as options ask (TCP only where TCP-only).
void apply_stream_options(int fd, int family, const options& opts) noexcept;

/// SO_RCVBUF and SO_SNDBUF from options (0 keeps the kernel's default); any socket kind.
void apply_buffer_sizes(int fd, const options& opts) noexcept;

} // namespace corio::detail
