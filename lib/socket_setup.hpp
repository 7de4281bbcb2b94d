// Socket options every accepted or dialed stream socket gets from engine options.
#pragma once

#include <corio/engine.hpp>

namespace corio::detail {

/// TCP_NODELAY, keepalive and kernel buffer sizes, as options ask (TCP only where TCP-only).
void apply_stream_options(int fd, int family, const options& opts) noexcept;

} // namespace corio::detail
