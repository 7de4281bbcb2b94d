// An LZF encoder and a bounds-checked decoder; see lzf.hpp. The byte format: a control byte
// below 32 starts a run of ctrl+1 literal bytes; otherwise its top 3 bits are the match
// length minus 2 (7: an extra byte adds to it), and its low 5 bits and the next byte are
// the distance back into the output, minus 1.
#include "lzf.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace corio_redis::persist {

namespace {

constexpr std::size_t max_literal = 32;    // literal bytes one control byte covers
constexpr std::size_t max_distance = 8192; // 13 bits of distance, plus 1
constexpr std::size_t min_match = 3;
constexpr std::size_t max_match = 264; // 7 + 255 in the length fields, plus 2
constexpr unsigned max_hash_bits = 14;

// The last position of each 3-byte hash. Per thread, so that a snapshot thread and the
// loops may compress at once; cleared per call (its used part) so output is deterministic.
thread_local std::uint32_t hash_table[1u << max_hash_bits];

inline std::uint32_t read3(const unsigned char* p) noexcept {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16;
}

inline unsigned hash3(std::uint32_t v, unsigned bits) noexcept {
    return (v * 2654435761u) >> (32 - bits);
}

// How many of the bytes from a and b (at most limit) agree, comparing a word at a time.
inline std::size_t match_length(const unsigned char* a, const unsigned char* b, std::size_t len,
                                std::size_t limit) noexcept {
    while (limit - len >= 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a + len, 8);
        std::memcpy(&y, b + len, 8);
        if (x != y) {
            const std::uint64_t diff = x ^ y;
            const int bit = std::endian::native == std::endian::little ? std::countr_zero(diff)
                                                                       : std::countl_zero(diff);
            return len + static_cast<std::size_t>(bit / 8);
        }
        len += 8;
    }
    while (len < limit && a[len] == b[len]) ++len;
    return len;
}

} // namespace

std::size_t lzf_compress(const char* in_chars, std::size_t n, char* out_chars,
                         std::size_t out_cap) noexcept {
    if (n == 0) return 0;
    const auto* in = reinterpret_cast<const unsigned char*>(in_chars);
    auto* out = reinterpret_cast<unsigned char*>(out_chars);
    // A table about the input's size: short strings do not pay for clearing a big one.
    unsigned bits = 8;
    while (bits < max_hash_bits && (std::size_t{1} << bits) < n) ++bits;
    std::uint32_t* table = hash_table;
    std::fill_n(table, std::size_t{1} << bits, 0u);

    std::size_t op = 0;  // output written; op <= out_cap throughout
    std::size_t lit = 0; // the first input byte not yet written out
    auto flush_literals = [&](std::size_t end) noexcept {
        while (lit < end) {
            const std::size_t run = std::min(end - lit, max_literal);
            if (out_cap - op < run + 1) return false;
            out[op++] = static_cast<unsigned char>(run - 1);
            std::memcpy(out + op, in + lit, run);
            op += run;
            lit += run;
        }
        return true;
    };

    std::size_t ip = 0;
    std::size_t misses = 0; // since the last match: long runs of them step faster
    while (ip + min_match <= n) {
        const std::uint32_t v = read3(in + ip);
        const unsigned h = hash3(v, bits);
        // The distance modulo 2^32: any stale or wrapped entry fails the checks below.
        const std::size_t d = static_cast<std::uint32_t>(static_cast<std::uint32_t>(ip) - table[h]);
        table[h] = static_cast<std::uint32_t>(ip);
        if (d - 1 >= max_distance || d > ip || read3(in + ip - d) != v) {
            // Incompressible data is not probed byte by byte (up to a 64-byte stride).
            ip += 1 + std::min<std::size_t>(misses++ >> 6, 63);
            continue;
        }
        misses = 0;
        const std::size_t len =
            match_length(in + ip - d, in + ip, min_match, std::min(max_match, n - ip));
        if (!flush_literals(ip)) return 0;
        const std::size_t code = len - 2, off = d - 1;
        if (out_cap - op < (code >= 7 ? 3u : 2u)) return 0;
        if (code < 7) {
            out[op++] = static_cast<unsigned char>(code << 5 | off >> 8);
        } else {
            out[op++] = static_cast<unsigned char>(7u << 5 | off >> 8);
            out[op++] = static_cast<unsigned char>(code - 7);
        }
        out[op++] = static_cast<unsigned char>(off & 0xff);
        // Remember the positions inside the match too: later data may repeat them.
        const std::size_t end = ip + len;
        for (++ip; ip < end && ip + min_match <= n; ++ip)
            table[hash3(read3(in + ip), bits)] = static_cast<std::uint32_t>(ip);
        ip = lit = end;
    }
    if (!flush_literals(n)) return 0;
    return op;
}

bool lzf_decompress(const char* in_chars, std::size_t n, char* out_chars,
                    std::size_t out_len) noexcept {
    const auto* in = reinterpret_cast<const unsigned char*>(in_chars);
    auto* out = reinterpret_cast<unsigned char*>(out_chars);
    std::size_t ip = 0, op = 0;
    while (ip < n) {
        const unsigned ctrl = in[ip++];
        if (ctrl < max_literal) {
            const std::size_t run = ctrl + 1;
            if (n - ip < run || out_len - op < run) return false;
            std::memcpy(out + op, in + ip, run);
            ip += run;
            op += run;
            continue;
        }
        std::size_t len = ctrl >> 5;
        if (len == 7) {
            if (ip == n) return false;
            len += in[ip++];
        }
        if (ip == n) return false;
        const std::size_t d = ((std::size_t{ctrl} & 0x1f) << 8 | in[ip++]) + 1;
        len += 2;
        if (d > op || out_len - op < len) return false;
        unsigned char* dst = out + op;
        const unsigned char* src = dst - d;
        if (d >= len)
            std::memcpy(dst, src, len);
        else // overlapping: each byte may be one this copy just wrote (a repeated pattern)
            for (std::size_t k = 0; k < len; ++k) dst[k] = src[k];
        op += len;
    }
    return op == out_len;
}

} // namespace corio_redis::persist
