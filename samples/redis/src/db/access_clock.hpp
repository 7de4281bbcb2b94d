// What a key's 4-byte access field (db/keyspace.hpp) holds, as Redis's 24-bit lru field:
// under an LRU (or no) policy the unix second of the last access; under an LFU policy the
// minute of the last decrement (16 bits) and a logarithmic access counter (8 bits). Switching
// between the two reinterprets the field, as in Redis (it adjusts over time).
#pragma once

#include <atomic>
#include <cstdint>
#include <random>

namespace corio_redis::db {

/// The parameters reads and writes of the field follow: maxmemory-policy (LFU or not),
/// lfu-log-factor, lfu-decay-time. Set by the configuration, read on every lookup (any
/// thread).
struct access_policy {
    std::atomic<bool> lfu{false};
    std::atomic<int> log_factor{10};
    std::atomic<int> decay_minutes{1};
};

namespace access_clock {

constexpr std::uint32_t lfu_initial = 5; // a new key's counter: not evicted at once

inline std::uint32_t lru_stamp(std::int64_t now_ms) noexcept {
    return static_cast<std::uint32_t>(now_ms / 1000);
}
inline std::uint32_t minutes(std::int64_t now_ms) noexcept {
    return static_cast<std::uint32_t>(now_ms / 60000) & 0xffff;
}
inline std::uint32_t lfu_field(std::uint32_t minute, std::uint32_t counter) noexcept {
    return minute << 8 | counter;
}
/// The counter after the decay its idle minutes bring (one per lfu-decay-time minutes).
inline std::uint32_t lfu_counter(std::uint32_t field, std::int64_t now_ms,
                                 int decay_minutes) noexcept {
    const std::uint32_t counter = field & 0xff;
    if (decay_minutes <= 0) return counter;
    const std::uint32_t last = field >> 8, now = minutes(now_ms);
    const std::uint32_t elapsed = now >= last ? now - last : 65536 - last + now;
    const std::uint32_t periods = elapsed / static_cast<std::uint32_t>(decay_minutes);
    return periods >= counter ? 0 : counter - periods;
}
/// An access under LFU: decay, then a logarithmic increment (the more hits a key had, the
/// less likely one more counts), as Redis's LFULogIncr.
inline std::uint32_t lfu_touch(std::uint32_t field, std::int64_t now_ms, int log_factor,
                               int decay_minutes) noexcept {
    std::uint32_t counter = lfu_counter(field, now_ms, decay_minutes);
    if (counter < 255) {
        static thread_local std::minstd_rand rng{std::random_device{}()};
        const double r = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
        const double base = counter > lfu_initial ? counter - lfu_initial : 0;
        if (r < 1.0 / (base * log_factor + 1)) ++counter;
    }
    return lfu_field(minutes(now_ms), counter);
}

} // namespace access_clock
} // namespace corio_redis::db
