// select's random case order (the rest of select is templates in <corio/go/select.hpp>).
#include <corio/go/select.hpp>

#include <random>

namespace corio::detail {

void shuffle_order(std::uint8_t* order, std::size_t n) noexcept {
    // xorshift64*: a few instructions per case; seeded per thread.
    thread_local std::uint64_t x = [] {
        std::uint64_t seed = std::random_device{}();
        seed = (seed << 32) ^ std::random_device{}();
        return seed | 1;
    }();
    for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint8_t>(i);
    for (std::size_t i = n; i > 1; --i) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        std::uint64_t r = (x * 0x2545F4914F6CDD1DULL) >> 32;
        std::size_t j = static_cast<std::size_t>((r * i) >> 32);
        std::swap(order[i - 1], order[j]);
    }
}

} // namespace corio::detail
