// The command clock; see command_clock.hpp.
#include "command_clock.hpp"

#include <thread>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace corio_redis {
namespace {

std::uint64_t steady_ns() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

bool invariant_tsc() noexcept {
#if defined(__x86_64__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx)) return false;
    return (edx & (1u << 8)) != 0; // "TscInvariant": constant rate in every power state
#else
    return false;
#endif
}

} // namespace

void command_clock::calibrate() {
#if defined(__x86_64__)
    if (!invariant_tsc()) return;
    const std::uint64_t t0 = steady_ns(), c0 = __rdtsc();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::uint64_t t1 = steady_ns(), c1 = __rdtsc();
    if (c1 <= c0 || t1 <= t0) return;
    ns_per_tick_ = static_cast<double>(t1 - t0) / static_cast<double>(c1 - c0);
    tsc_ = true;
#endif
}

command_clock::ticks command_clock::now() noexcept {
#if defined(__x86_64__)
    if (tsc_) return __rdtsc();
#endif
    return steady_ns();
}

std::chrono::nanoseconds command_clock::between(ticks from, ticks to) noexcept {
    if (to <= from) return std::chrono::nanoseconds(0);
    if (!tsc_) return std::chrono::nanoseconds(static_cast<std::int64_t>(to - from));
    return std::chrono::nanoseconds(
        static_cast<std::int64_t>(static_cast<double>(to - from) * ns_per_tick_));
}

} // namespace corio_redis
