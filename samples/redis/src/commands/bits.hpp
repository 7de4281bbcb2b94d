// What the bitmap commands share (commands/bitmaps.cpp, commands/bitfield.cpp): how they read
// keyword and offset arguments as Redis does, and how they find or make the string they work
// on. Shard loop only.
#pragma once

#include "../server.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace corio_redis::bits {

using db::entry;
using db::value;
using db::value_type;

inline constexpr std::string_view offset_error = "ERR bit offset is not an integer or out of range";

// An argument as a C string would read it: up to its first NUL (Redis compares keywords with
// strcasecmp, and reads the width of a bitfield type with strlen).
inline std::string_view c_string(std::string_view s) {
    return s.substr(0, s.find('\0'));
}

inline bool keyword(std::string_view arg, std::string_view word) {
    return iequals(c_string(arg), word);
}

inline const unsigned char* bytes_of(const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// The string at key: null if absent; sets `wrong` if the key holds another type.
inline entry* string_entry(command_context& c, std::string_view key, bool& wrong) {
    entry* e = c.db().find(key, c.now_ms);
    wrong = e && e->val.type() != value_type::string;
    return wrong ? nullptr : e;
}

// A bit offset argument; with `hash` (BITFIELD) "#n" means n times the field's width. False
// with the reply written if it is not a number, negative, or past proto-max-bulk-len bytes.
inline bool bit_offset(command_context& c, std::string_view arg, bool hash, unsigned bits,
                       std::uint64_t& out) {
    bool use_hash = hash && bits > 0 && !arg.empty() && arg[0] == '#';
    long long n = 0;
    if (!parse_integer(arg.substr(use_hash ? 1 : 0), n)) {
        c.out.error(offset_error);
        return false;
    }
    // As Redis, whose multiplication wraps around on overflow.
    if (use_hash) n = static_cast<long long>(static_cast<std::uint64_t>(n) * bits);
    if (n < 0 || static_cast<std::uint64_t>(n >> 3) >= c.srv.cfg().proto_max_bulk_len()) {
        c.out.error(offset_error);
        return false;
    }
    out = static_cast<std::uint64_t>(n);
    return true;
}

// The string at args[1] for a write reaching bit `max_bit`: created, or padded with zero
// bytes, so that the bit exists. Null with WRONGTYPE replied if the key holds another type.
inline entry* string_for_bits(command_context& c, std::uint64_t max_bit) {
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) {
        reply_wrong_type(c.out);
        return nullptr;
    }
    const std::size_t need = static_cast<std::size_t>(max_bit >> 3) + 1;
    if (!e) return &c.db().put(c.args[1], value::of_string(std::string(need, '\0')), c.now_ms);
    std::string& s = e->val.str();
    if (s.size() < need) s.resize(need, '\0');
    return e;
}

void bitfield(command_context& c);
void bitfield_ro(command_context& c);

} // namespace corio_redis::bits
