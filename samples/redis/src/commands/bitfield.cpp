// BITFIELD and BITFIELD_RO: signed and unsigned fields of 1 to 64 bits at any bit offset of a
// string, read, set or incremented with Redis's overflow rules (WRAP, SAT, FAIL).
#include "bits.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace corio_redis::bits {
namespace {

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

} // namespace

void bitfield(command_context& c) {
    bitfield_common(c, false);
}
void bitfield_ro(command_context& c) {
    bitfield_common(c, true);
}

} // namespace corio_redis::bits
