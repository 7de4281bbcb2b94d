// Slice-by-8 CRC-64: eight tables let one step fold eight input bytes; see crc64.hpp.
#include "crc64.hpp"

#include <array>
#include <bit>
#include <cstring>

namespace corio_redis::persist {

namespace {

constexpr std::uint64_t poly = 0x95ac9329ac4bc9b5ULL; // Jones, bit-reversed

using tables_t = std::array<std::array<std::uint64_t, 256>, 8>;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC of byte b followed
// by k zero bytes, so that the bytes of a word can be looked up independently.
constexpr tables_t make_tables() {
    tables_t t{};
    for (std::uint64_t b = 0; b < 256; ++b) {
        std::uint64_t c = b;
        for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
        t[0][b] = c;
    }
    for (std::size_t k = 1; k < 8; ++k)
        for (std::size_t b = 0; b < 256; ++b)
            t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
    return t;
}

constexpr tables_t tables = make_tables();

inline std::uint64_t load_le64(const unsigned char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    return v;
}

} // namespace

std::uint64_t crc64(std::uint64_t crc, const void* data, std::size_t n) noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
    const auto& t = tables;
    for (; n >= 8; n -= 8, p += 8) {
        const std::uint64_t x = crc ^ load_le64(p);
        crc = t[7][x & 0xff] ^ t[6][(x >> 8) & 0xff] ^ t[5][(x >> 16) & 0xff] ^
              t[4][(x >> 24) & 0xff] ^ t[3][(x >> 32) & 0xff] ^ t[2][(x >> 40) & 0xff] ^
              t[1][(x >> 48) & 0xff] ^ t[0][x >> 56];
    }
    for (; n > 0; --n, ++p) crc = t[0][(crc ^ *p) & 0xff] ^ (crc >> 8);
    return crc;
}

} // namespace corio_redis::persist
