// CLIENT PAUSE's server-wide state: until when clients wait, and whether every command
// waits or only writes. It is one atomic word, so the check a session makes before each
// command is one load; the sessions that must wait do so on their own timers.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace corio_redis {

class client_pause {
public:
    using clock = std::chrono::steady_clock;
    struct state {
        clock::time_point until;
        bool all; // every command waits, not only writes
    };

    /// Pauses for `duration` (not negative). A pause already in force that ends later, or
    /// holds every command, keeps that: the later end and the stricter mode win, as in
    /// Redis. Any thread.
    void pause(std::chrono::milliseconds duration, bool all) noexcept {
        const std::uint64_t now = now_ms();
        constexpr std::uint64_t cap = std::uint64_t{1} << 62; // leaves room for the mode bit
        const auto ms = static_cast<std::uint64_t>(duration.count());
        const std::uint64_t until = ms >= cap - now ? cap : now + ms;
        std::uint64_t old = word_.load(std::memory_order_relaxed);
        for (;;) {
            std::uint64_t u = until;
            bool a = all;
            if (old != 0 && (old >> 1) > now) {
                u = std::max(u, old >> 1);
                a = a || (old & 1) != 0;
            }
            // Sequentially consistent, so that the store is out of this core's store
            // buffer before the +OK leaves (the other loops' loads can then be relaxed).
            if (word_.compare_exchange_weak(old, u << 1 | (a ? 1u : 0u))) return;
        }
    }

    /// Ends the pause now; the sessions waiting for it still need waking. Any thread.
    void unpause() noexcept { word_.store(0); }

    /// False unless a pause was set since it was last found over: the common case, one load.
    bool engaged() const noexcept { return word_.load(std::memory_order_relaxed) != 0; }

    /// The pause in force now, if any; one found over is cleared, so that engaged() is
    /// false again. Any thread.
    std::optional<state> current() noexcept {
        std::uint64_t w = word_.load(std::memory_order_relaxed);
        if (w == 0) return std::nullopt;
        if ((w >> 1) <= now_ms()) {
            word_.compare_exchange_strong(w, 0, std::memory_order_relaxed);
            return std::nullopt;
        }
        return state{clock::time_point(std::chrono::milliseconds(w >> 1)), (w & 1) != 0};
    }

private:
    static std::uint64_t now_ms() noexcept {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(clock::now().time_since_epoch())
                .count());
    }

    // The end (steady-clock milliseconds) shifted left once, the low bit saying "all"; 0 is
    // no pause.
    std::atomic<std::uint64_t> word_{0};
};

} // namespace corio_redis
