// Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP (BITFIELD is in bitfield.cpp).
// They work on strings as arrays of bits, the first bit of the first byte being bit 0 (its
// most significant bit). Each runs on its key's shard; BITOP gets all its keys on the one
// given.
#include "bits.hpp"

#include "../server.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace corio_redis {
namespace {

using db::entry;
using db::value;
using db::value_type;
using namespace bits;

// Bits set in n bytes.
long long popcount(const unsigned char* p, std::size_t n) {
    long long count = 0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + i, sizeof word);
        count += std::popcount(word);
    }
    for (; i < n; ++i) count += std::popcount(static_cast<unsigned>(p[i]));
    return count;
}

// The position of the first bit equal to `bit` in n bytes; if there is none, -1 when looking
// for a 1 and n * 8 (the first bit past them, the string being zero padded) for a 0.
long long first_bit(const unsigned char* p, std::size_t n, int bit) {
    const unsigned char skip = bit ? 0x00 : 0xff;
    for (std::size_t i = 0; i < n; ++i) {
        if (p[i] == skip) continue;
        unsigned char b = bit ? p[i] : static_cast<unsigned char>(~p[i]);
        return static_cast<long long>(i) * 8 + std::countl_zero(b);
    }
    return bit ? -1 : static_cast<long long>(n) * 8;
}

// Redis's range rules: negative indexes count from the end, then both are clamped.
void clamp_range(long long& start, long long& end, long long total) {
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
}

// For a bit range [start, end] (start <= end): the bits of the first byte before start and
// of the last byte after end; start and end become byte indexes.
void bit_range_to_bytes(long long& start, long long& end, unsigned char& first_mask,
                        unsigned char& last_mask) {
    first_mask = static_cast<unsigned char>(~((1u << (8 - (start & 7))) - 1) & 0xffu);
    last_mask = static_cast<unsigned char>((1u << (7 - (end & 7))) - 1);
    start >>= 3;
    end >>= 3;
}

void setbit(command_context& c) {
    std::uint64_t offset = 0;
    if (!bit_offset(c, c.args[2], false, 0, offset)) return;
    long long on = 0;
    if (!parse_integer(c.args[3], on) || (on & ~1LL))
        return c.out.error("ERR bit is not an integer or out of range");
    entry* e = string_for_bits(c, offset);
    if (!e) return;
    std::string& s = e->val.str();
    const std::size_t byte = static_cast<std::size_t>(offset >> 3);
    const unsigned shift = 7 - static_cast<unsigned>(offset & 7);
    unsigned v = static_cast<unsigned char>(s[byte]);
    const unsigned old = (v >> shift) & 1u;
    v = (v & ~(1u << shift)) | (static_cast<unsigned>(on) << shift);
    s[byte] = static_cast<char>(v);
    key_changed(c, notify_string, "setbit", c.args[1]);
    c.out.integer(old);
}

void getbit(command_context& c) {
    std::uint64_t offset = 0;
    if (!bit_offset(c, c.args[2], false, 0, offset)) return;
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.integer(0);
    const std::string& s = e->val.str();
    const std::uint64_t byte = offset >> 3;
    if (byte >= s.size()) return c.out.integer(0);
    const unsigned shift = 7 - static_cast<unsigned>(offset & 7);
    c.out.integer((static_cast<unsigned char>(s[byte]) >> shift) & 1u);
}

// BITCOUNT key [start end [BYTE | BIT]]. As Redis 7.0: the key is looked up first (an absent
// key counts 0 whatever follows), and two negative indexes in the wrong order count 0
// before the unit is read.
void bitcount(command_context& c) {
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.integer(0);
    const std::string& s = e->val.str();
    const unsigned char* p = bytes_of(s);
    const long long len = static_cast<long long>(s.size());
    long long start = 0, end = 0;
    unsigned char first_mask = 0, last_mask = 0;
    const std::size_t argc = c.args.size();
    if (argc == 4 || argc == 5) {
        long long total = len;
        if (!parse_integer(c.args[2], start) || !parse_integer(c.args[3], end))
            return reply_not_integer(c.out);
        if (start < 0 && end < 0 && start > end) return c.out.integer(0);
        bool in_bits = false;
        if (argc == 5) {
            if (keyword(c.args[4], "bit"))
                in_bits = true;
            else if (!keyword(c.args[4], "byte"))
                return reply_syntax_error(c.out);
        }
        if (in_bits) total <<= 3;
        clamp_range(start, end, total);
        if (in_bits && start <= end) bit_range_to_bytes(start, end, first_mask, last_mask);
    } else if (argc == 2) {
        start = 0;
        end = len - 1;
    } else {
        return reply_syntax_error(c.out);
    }
    if (start > end) return c.out.integer(0);
    long long count = popcount(p + start, static_cast<std::size_t>(end - start + 1));
    // The bits of the edge bytes outside a bit range were counted: take them off.
    if (first_mask) count -= std::popcount(static_cast<unsigned>(p[start] & first_mask));
    if (last_mask) count -= std::popcount(static_cast<unsigned>(p[end] & last_mask));
    c.out.integer(count);
}

// BITPOS key bit [start [end [BYTE | BIT]]]. An absent key is all zeros: 0 for a 0, -1 for a
// 1. With no end given the string is taken as zero padded, so looking for a 0 in all ones
// finds the first bit past the end; with an end given it finds none (-1).
void bitpos(command_context& c) {
    long long bit = 0;
    if (!parse_integer(c.args[2], bit)) return reply_not_integer(c.out);
    if (bit != 0 && bit != 1) return c.out.error("ERR The bit argument must be 1 or 0.");
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.integer(bit ? -1 : 0);
    const std::string& s = e->val.str();
    const unsigned char* p = bytes_of(s);
    const long long len = static_cast<long long>(s.size());
    const int want = static_cast<int>(bit);
    long long start = 0, end = 0;
    bool end_given = false;
    unsigned char first_mask = 0, last_mask = 0;
    const std::size_t argc = c.args.size();
    if (argc >= 4 && argc <= 6) {
        long long total = len;
        if (!parse_integer(c.args[3], start)) return reply_not_integer(c.out);
        bool in_bits = false;
        if (argc == 6) {
            if (keyword(c.args[5], "bit"))
                in_bits = true;
            else if (!keyword(c.args[5], "byte"))
                return reply_syntax_error(c.out);
        }
        if (argc >= 5) {
            if (!parse_integer(c.args[4], end)) return reply_not_integer(c.out);
            end_given = true;
        } else {
            end = total - 1;
        }
        if (in_bits) total <<= 3;
        clamp_range(start, end, total);
        if (in_bits && start <= end) bit_range_to_bytes(start, end, first_mask, last_mask);
    } else if (argc == 3) {
        start = 0;
        end = len - 1;
    } else {
        return reply_syntax_error(c.out);
    }
    if (start > end) return c.out.integer(-1); // an empty range holds neither a 0 nor a 1

    // As Redis: the first byte (masked), the whole bytes, then the last byte (masked); `pos`
    // counts from byte `start`, and `bytes` is how many bytes from there are in range.
    long long bytes = end - start + 1;
    long long pos = -1;
    bool found = false;
    if (first_mask) {
        auto b = static_cast<unsigned char>(want ? p[start] & ~first_mask : p[start] | first_mask);
        if (last_mask && bytes == 1)
            b = static_cast<unsigned char>(want ? b & ~last_mask : b | last_mask);
        pos = first_bit(&b, 1, want);
        if (bytes == 1 || (pos != -1 && pos != 8)) {
            found = true;
        } else {
            ++start;
            --bytes;
        }
    }
    if (!found) {
        const long long whole = bytes - (last_mask ? 1 : 0);
        if (whole > 0) {
            pos = first_bit(p + start, static_cast<std::size_t>(whole), want);
            if (bytes == whole || (pos != -1 && pos != whole * 8)) {
                found = true;
            } else {
                start += whole;
                bytes -= whole;
            }
        }
    }
    if (!found) {
        auto b = static_cast<unsigned char>(want ? p[end] & ~last_mask : p[end] | last_mask);
        pos = first_bit(&b, 1, want);
    }
    if (end_given && want == 0 && pos == bytes * 8) return c.out.integer(-1);
    if (pos != -1) pos += start * 8;
    c.out.integer(pos);
}

// BITOP AND | OR | XOR | NOT destkey key [key ...]: missing keys are empty strings, shorter
// strings are zero padded; the result is as long as the longest, and an empty one deletes
// destkey. Replies the result's length.
void bitop(command_context& c) {
    enum class op_kind { and_op, or_op, xor_op, not_op };
    const std::string_view name = c_string(c.args[1]);
    op_kind op;
    if (iequals(name, "and"))
        op = op_kind::and_op;
    else if (iequals(name, "or"))
        op = op_kind::or_op;
    else if (iequals(name, "xor"))
        op = op_kind::xor_op;
    else if (iequals(name, "not"))
        op = op_kind::not_op;
    else
        return reply_syntax_error(c.out);
    if (op == op_kind::not_op && c.args.size() != 4)
        return c.out.error("ERR BITOP NOT must be called with a single source key.");

    auto& d = c.db();
    std::vector<std::string_view> sources; // an absent key is an empty string
    sources.reserve(c.args.size() - 3);
    std::size_t longest = 0;
    for (std::size_t i = 3; i < c.args.size(); ++i) {
        entry* e = d.find(c.args[i], c.now_ms);
        if (e && e->val.type() != value_type::string) return reply_wrong_type(c.out);
        sources.push_back(e ? std::string_view(e->val.str()) : std::string_view());
        longest = std::max(longest, sources.back().size());
    }
    if (longest == 0) {
        if (d.erase(c.args[2])) key_changed(c, notify_generic, "del", c.args[2]);
        return c.out.integer(0);
    }
    auto byte_at = [](std::string_view s, std::size_t i) -> unsigned char {
        return i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
    };
    std::string result(longest, '\0');
    for (std::size_t i = 0; i < longest; ++i) {
        unsigned char out = byte_at(sources[0], i);
        if (op == op_kind::not_op) {
            out = static_cast<unsigned char>(~out);
        } else {
            for (std::size_t k = 1; k < sources.size(); ++k) {
                const unsigned char b = byte_at(sources[k], i);
                if (op == op_kind::and_op)
                    out &= b;
                else if (op == op_kind::or_op)
                    out |= b;
                else
                    out ^= b;
            }
        }
        result[i] = static_cast<char>(out);
    }
    d.put(c.args[2], value::of_string(std::move(result)), c.now_ms);
    key_changed(c, notify_string, "set", c.args[2]);
    c.out.integer(static_cast<long long>(longest));
}

} // namespace

void register_bitmap_commands(command_table& t) {
    constexpr std::uint32_t r = cmd_readonly, rf = cmd_readonly | cmd_fast, w = cmd_write;
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({"setbit", 4, w, 1, 1, 1, setbit});
    add({"getbit", 3, rf, 1, 1, 1, getbit});
    add({"bitcount", -2, r, 1, 1, 1, bitcount});
    add({"bitpos", -3, r, 1, 1, 1, bitpos});
    add({"bitop", -4, w, 2, -1, 1, bitop});
    add({"bitfield", -2, w, 1, 1, 1, bitfield});
    add({"bitfield_ro", -2, rf, 1, 1, 1, bitfield_ro});
}

} // namespace corio_redis
