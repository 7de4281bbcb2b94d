// The clock commands are timed with (slowlog, commandstats, the latency monitor): the CPU's
// time-stamp counter where it runs at a constant rate (x86-64 with an invariant TSC),
// calibrated once against steady_clock, as Redis 7 times its commands with the TSC; otherwise
// steady_clock. Two clock_gettime calls per command were 4-5% of the server's CPU at -P 16.
#pragma once

#include <chrono>
#include <cstdint>

namespace corio_redis {

class command_clock {
public:
    using ticks = std::uint64_t;
    /// Picks the source and calibrates it (about 10 ms). Call once, before any loop runs.
    static void calibrate();
    /// Now, in ticks. Any thread.
    static ticks now() noexcept;
    /// The time from `from` to `to`. Any thread.
    static std::chrono::nanoseconds between(ticks from, ticks to) noexcept;

private:
    static inline bool tsc_ = false;
    static inline double ns_per_tick_ = 1.0;
};

} // namespace corio_redis
