// Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO. They
// work on strings as arrays of bits, the first bit of the first byte being bit 0 (its most
// significant bit). Each runs on its key's shard; BITOP gets all its keys on the one given.
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

constexpr std::string_view offset_error = "ERR bit offset is not an integer or out of range";

// An argument as a C string would read it: up to its first NUL (Redis compares keywords with
// strcasecmp, and reads the width of a bitfield type with strlen).
std::string_view c_string(std::string_view s) {
    return s.substr(0, s.find('\0'));
}

bool keyword(std::string_view arg, std::string_view word) {
    return iequals(c_string(arg), word);
}

const unsigned char* bytes_of(const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// The string at key: null if absent; sets `wrong` if the key holds another type.
entry* string_entry(command_context& c, std::string_view key, bool& wrong) {
    entry* e = c.db().find(key, c.now_ms);
    wrong = e && e->val.type() != value_type::string;
    return wrong ? nullptr : e;
}

// A bit offset argument; with `hash` (BITFIELD) "#n" means n times the field's width. False
// with the reply written if it is not a number, negative, or past proto-max-bulk-len bytes.
bool bit_offset(command_context& c, std::string_view arg, bool hash, unsigned bits,
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
entry* string_for_bits(command_context& c, std::uint64_t max_bit) {
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

// ---- BITFIELD ------------------------------------------------------------------------

enum class overflow_kind { wrap, sat, fail };
enum class field_op { get, set, incrby };

struct field_step {
    field_op op;
    overflow_kind overflow;
    bool is_signed;
    unsigned bits;
    std::uint64_t offset;
    long long value; // SET's value or INCRBY's increment
};

// A type argument: i1..i64 or u1..u63. False with the reply written if it is not one.
bool field_type(command_context& c, std::string_view arg, bool& is_signed, unsigned& bits) {
    long long n = 0;
    bool ok = !arg.empty() && (arg[0] == 'i' || arg[0] == 'u');
    if (ok) {
        is_signed = arg[0] == 'i';
        ok = parse_integer(c_string(arg.substr(1)), n) && n >= 1 && n <= (is_signed ? 64 : 63);
    }
    if (!ok) {
        c.out.error("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                    "supported but i64 is.");
        return false;
    }
    bits = static_cast<unsigned>(n);
    return true;
}

// The `bits` bits from bit `offset` as an unsigned number; bits past the string are zeros.
std::uint64_t read_unsigned(std::string_view s, std::uint64_t offset, unsigned bits) {
    std::uint64_t v = 0;
    for (unsigned j = 0; j < bits; ++j, ++offset) {
        const std::uint64_t byte = offset >> 3;
        const unsigned b = byte < s.size() ? static_cast<unsigned char>(s[byte]) : 0u;
        v = (v << 1) | ((b >> (7 - (offset & 7))) & 1u);
    }
    return v;
}

std::int64_t read_signed(std::string_view s, std::uint64_t offset, unsigned bits) {
    std::uint64_t v = read_unsigned(s, offset, bits);
    if (bits < 64 && (v & (std::uint64_t{1} << (bits - 1)))) v |= ~std::uint64_t{0} << bits;
    return static_cast<std::int64_t>(v);
}

// Stores the low `bits` bits of v from bit `offset` (the string is long enough).
void write_bits(std::string& s, std::uint64_t offset, unsigned bits, std::uint64_t v) {
    for (unsigned j = 0; j < bits; ++j, ++offset) {
        const unsigned bit = (v >> (bits - 1 - j)) & 1u;
        const std::size_t byte = static_cast<std::size_t>(offset >> 3);
        const unsigned shift = 7 - static_cast<unsigned>(offset & 7);
        unsigned b = static_cast<unsigned char>(s[byte]);
        b = (b & ~(1u << shift)) | (bit << shift);
        s[byte] = static_cast<char>(b);
    }
}

// Whether value + incr fits an unsigned field of `bits` bits: 0 if it does, 1 above, -1
// below; on WRAP or SAT `limit` is then what to store. Redis's arithmetic, wrap-arounds
// included (they decide some cases with values far out of range).
int unsigned_overflow(std::uint64_t value, std::int64_t incr, unsigned bits, overflow_kind kind,
                      std::uint64_t& limit) {
    const std::uint64_t max =
        bits >= 64 ? std::numeric_limits<std::uint64_t>::max() : (std::uint64_t{1} << bits) - 1;
    const auto max_incr = static_cast<std::int64_t>(max - value);
    const auto min_incr = static_cast<std::int64_t>(std::uint64_t{0} - value);
    int result = 0;
    if (value > max || (incr > 0 && incr > max_incr))
        result = 1;
    else if (incr < 0 && incr < min_incr)
        result = -1;
    else
        return 0;
    if (kind == overflow_kind::wrap) {
        const std::uint64_t mask = bits >= 64 ? 0 : ~std::uint64_t{0} << bits;
        limit = (value + static_cast<std::uint64_t>(incr)) & ~mask;
    } else if (kind == overflow_kind::sat) {
        limit = result > 0 ? max : 0;
    }
    return result;
}

// The same for a signed field (two's complement).
int signed_overflow(std::int64_t value, std::int64_t incr, unsigned bits, overflow_kind kind,
                    std::int64_t& limit) {
    const std::int64_t max =
        bits >= 64 ? std::numeric_limits<std::int64_t>::max() : (std::int64_t{1} << (bits - 1)) - 1;
    const std::int64_t min = -max - 1;
    const auto uvalue = static_cast<std::uint64_t>(value);
    const auto max_incr = static_cast<std::int64_t>(static_cast<std::uint64_t>(max) - uvalue);
    const auto min_incr = static_cast<std::int64_t>(static_cast<std::uint64_t>(min) - uvalue);
    int result = 0;
    if (value > max || (bits != 64 && incr > max_incr) ||
        (value >= 0 && incr > 0 && incr > max_incr))
        result = 1;
    else if (value < min || (bits != 64 && incr < min_incr) ||
             (value < 0 && incr < 0 && incr < min_incr))
        result = -1;
    else
        return 0;
    if (kind == overflow_kind::wrap) {
        std::uint64_t sum = uvalue + static_cast<std::uint64_t>(incr);
        if (bits < 64) {
            const std::uint64_t mask = ~std::uint64_t{0} << bits;
            if (sum & (std::uint64_t{1} << (bits - 1)))
                sum |= mask;
            else
                sum &= ~mask;
        }
        limit = static_cast<std::int64_t>(sum);
    } else if (kind == overflow_kind::sat) {
        limit = result > 0 ? max : min;
    }
    return result;
}

// Runs one SET or INCRBY on s and writes its reply: the old value (SET) or the new one
// (INCRBY), or null when OVERFLOW FAIL refuses it (nothing is then stored); true if it stored.
bool run_write(command_context& c, std::string& s, const field_step& f) {
    bool refused = false;
    if (f.is_signed) {
        const std::int64_t old = read_signed(s, f.offset, f.bits);
        std::int64_t next = 0, limit = 0, reply = 0;
        int over = 0;
        if (f.op == field_op::incrby) {
            over = signed_overflow(old, f.value, f.bits, f.overflow, limit);
            next = over ? limit
                        : static_cast<std::int64_t>(static_cast<std::uint64_t>(old) +
                                                    static_cast<std::uint64_t>(f.value));
            reply = next;
        } else {
            over = signed_overflow(f.value, 0, f.bits, f.overflow, limit);
            next = over ? limit : f.value;
            reply = old;
        }
        refused = over && f.overflow == overflow_kind::fail;
        if (!refused) {
            c.out.integer(reply);
            write_bits(s, f.offset, f.bits, static_cast<std::uint64_t>(next));
        }
    } else {
        const std::uint64_t old = read_unsigned(s, f.offset, f.bits);
        std::uint64_t next = 0, limit = 0, reply = 0;
        int over = 0;
        if (f.op == field_op::incrby) {
            over = unsigned_overflow(old, f.value, f.bits, f.overflow, limit);
            next = over ? limit : old + static_cast<std::uint64_t>(f.value);
            reply = next;
        } else {
            over = unsigned_overflow(static_cast<std::uint64_t>(f.value), 0, f.bits, f.overflow,
                                     limit);
            next = over ? limit : static_cast<std::uint64_t>(f.value);
            reply = old;
        }
        refused = over && f.overflow == overflow_kind::fail;
        if (!refused) {
            c.out.integer(static_cast<long long>(reply));
            write_bits(s, f.offset, f.bits, next);
        }
    }
    if (refused) c.out.null();
    return !refused;
}

// BITFIELD key [GET type offset | SET type offset value | INCRBY type offset increment |
// OVERFLOW WRAP|SAT|FAIL] ...: every argument is checked before anything runs; a SET or
// INCRBY creates or pads the string up to the farthest bit written, even if OVERFLOW FAIL
// then refuses them. BITFIELD_RO (read_only) takes GET only.
void bitfield_common(command_context& c, bool read_only) {
    std::vector<field_step> steps;
    overflow_kind overflow = overflow_kind::wrap;
    bool writes = false;
    std::uint64_t highest_bit = 0;
    const std::size_t argc = c.args.size();
    for (std::size_t j = 2; j < argc; ++j) {
        const std::size_t remaining = argc - j - 1;
        field_op op;
        if (keyword(c.args[j], "get") && remaining >= 2) {
            op = field_op::get;
        } else if (keyword(c.args[j], "set") && remaining >= 3) {
            op = field_op::set;
        } else if (keyword(c.args[j], "incrby") && remaining >= 3) {
            op = field_op::incrby;
        } else if (keyword(c.args[j], "overflow") && remaining >= 1) {
            std::string_view kind = c.args[++j];
            if (keyword(kind, "wrap"))
                overflow = overflow_kind::wrap;
            else if (keyword(kind, "sat"))
                overflow = overflow_kind::sat;
            else if (keyword(kind, "fail"))
                overflow = overflow_kind::fail;
            else
                return c.out.error("ERR Invalid OVERFLOW type specified");
            continue;
        } else {
            return reply_syntax_error(c.out);
        }
        field_step f{op, overflow, false, 0, 0, 0};
        if (!field_type(c, c.args[j + 1], f.is_signed, f.bits)) return;
        if (!bit_offset(c, c.args[j + 2], true, f.bits, f.offset)) return;
        if (op != field_op::get) {
            writes = true;
            highest_bit = std::max(highest_bit, f.offset + f.bits - 1);
            if (!parse_integer(c.args[j + 3], f.value)) return reply_not_integer(c.out);
        }
        steps.push_back(f);
        j += op == field_op::get ? 2 : 3;
    }

    std::string* target = nullptr; // the string written (SET, INCRBY)
    std::string_view source;       // the string read (an absent key reads as zeros)
    if (!writes) {
        bool wrong = false;
        entry* e = string_entry(c, c.args[1], wrong);
        if (wrong) return reply_wrong_type(c.out);
        if (e) source = e->val.str();
    } else {
        if (read_only) return c.out.error("ERR BITFIELD_RO only supports the GET subcommand");
        entry* e = string_for_bits(c, highest_bit);
        if (!e) return;
        target = &e->val.str();
    }

    c.out.array(steps.size());
    bool changed = false;
    for (const field_step& f : steps) {
        if (f.op != field_op::get) {
            changed = run_write(c, *target, f) || changed;
            continue;
        }
        std::string_view s = target ? std::string_view(*target) : source;
        if (f.is_signed)
            c.out.integer(read_signed(s, f.offset, f.bits));
        else
            c.out.integer(static_cast<long long>(read_unsigned(s, f.offset, f.bits)));
    }
    if (changed) key_changed(c, notify_string, "setbit", c.args[1]);
}

void bitfield(command_context& c) {
    bitfield_common(c, false);
}
void bitfield_ro(command_context& c) {
    bitfield_common(c, true);
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
