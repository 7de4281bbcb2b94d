// The engine's stop reaching corio::go coroutines (lib/go/spawn.cpp).
#pragma once

namespace corio {
class loop;
}

namespace corio::detail {

/// On l's thread: emits a terminal cancellation to every corio::go coroutine running there,
/// so that a channel wait, select, sleep or other cancellable wait throws operation_aborted.
void cancel_goroutines(loop& l) noexcept;

} // namespace corio::detail
