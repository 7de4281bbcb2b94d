// String commands: GET, SET and its variants, GETSET/GETDEL/GETEX, MGET/MSET/MSETNX, APPEND,
// STRLEN, the INCR family, GETRANGE/SETRANGE/SUBSTR. Each runs on its key's shard.
#include "../server.hpp"

#include <cctype>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace corio_redis {
namespace {

using db::entry;
using db::value;
using db::value_type;

// The string at key: null if absent; sets `wrong` if the key holds another type.
entry* string_entry(command_context& c, std::string_view key, bool& wrong) {
    entry* e = c.db().find(key, c.now_ms);
    wrong = e && e->val.type() != value_type::string;
    return wrong ? nullptr : e;
}

void get(command_context& c) {
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.null();
    c.out.bulk(e->val.str());
}

// An expiry argument (EX/PX/EXAT/PXAT) as an absolute unix time in ms; false with the reply
// written if it is invalid.
bool absolute_expiry(command_context& c, std::string_view unit, std::string_view arg,
                     std::string_view command, std::int64_t& at) {
    long long n = 0;
    if (!parse_integer(arg, n)) {
        reply_not_integer(c.out);
        return false;
    }
    bool seconds = iequals(unit, "ex") || iequals(unit, "exat");
    bool relative = iequals(unit, "ex") || iequals(unit, "px");
    constexpr long long max_ms = std::numeric_limits<long long>::max();
    if (n <= 0 || (seconds && n > max_ms / 1000)) {
        c.out.error("ERR invalid expire time in '" + std::string(command) + "' command");
        return false;
    }
    long long ms = seconds ? n * 1000 : n;
    if (relative) {
        if (ms > max_ms - c.now_ms) {
            c.out.error("ERR invalid expire time in '" + std::string(command) + "' command");
            return false;
        }
        ms += c.now_ms;
    }
    at = ms;
    return true;
}

// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]
void set(command_context& c) {
    bool nx = false, xx = false, get_old = false, keep_ttl = false;
    std::string_view unit, amount;
    for (std::size_t i = 3; i < c.args.size(); ++i) {
        std::string_view a = c.args[i];
        bool has_next = i + 1 < c.args.size();
        // As Redis: an option may repeat (the last wins), but not clash with another.
        bool is_unit =
            iequals(a, "ex") || iequals(a, "px") || iequals(a, "exat") || iequals(a, "pxat");
        if (iequals(a, "nx") && !xx) {
            nx = true;
        } else if (iequals(a, "xx") && !nx) {
            xx = true;
        } else if (iequals(a, "get")) {
            get_old = true;
        } else if (iequals(a, "keepttl") && unit.empty()) {
            keep_ttl = true;
        } else if (is_unit && (unit.empty() || iequals(unit, a)) && !keep_ttl && has_next) {
            unit = a;
            amount = c.args[++i];
        } else {
            return reply_syntax_error(c.out);
        }
    }
    std::int64_t at = 0;
    if (!unit.empty() && !absolute_expiry(c, unit, amount, "set", at)) return;
    auto& d = c.db();
    entry* e = d.find(c.args[1], c.now_ms);
    if (get_old && e && e->val.type() != value_type::string) return reply_wrong_type(c.out);
    if ((nx && e) || (xx && !e)) {
        if (!get_old) return c.out.null();
        if (!e) return c.out.null();
        return c.out.bulk(e->val.str());
    }
    if (get_old) {
        if (e)
            c.out.bulk(e->val.str());
        else
            c.out.null();
    }
    entry& fresh = d.put(c.args[1], value::of_string(std::string(c.args[2])), c.now_ms, keep_ttl);
    key_changed(c, notify_string, "set", c.args[1]);
    if (at) {
        d.set_expiry(c.args[1], fresh, at);
        key_changed(c, notify_generic, "expire", c.args[1]);
    }
    if (!get_old) c.out.ok();
}

void setnx(command_context& c) {
    auto& d = c.db();
    if (d.find(c.args[1], c.now_ms)) return c.out.integer(0);
    d.put(c.args[1], value::of_string(std::string(c.args[2])), c.now_ms);
    key_changed(c, notify_string, "set", c.args[1]);
    c.out.integer(1);
}

void setex_common(command_context& c, std::string_view unit, std::string_view name) {
    std::int64_t at = 0;
    if (!absolute_expiry(c, unit, c.args[2], name, at)) return;
    auto& d = c.db();
    entry& e = d.put(c.args[1], value::of_string(std::string(c.args[3])), c.now_ms);
    key_changed(c, notify_string, "set", c.args[1]);
    d.set_expiry(c.args[1], e, at);
    key_changed(c, notify_generic, "expire", c.args[1]);
    c.out.ok();
}
void setex(command_context& c) {
    setex_common(c, "ex", "setex");
}
void psetex(command_context& c) {
    setex_common(c, "px", "psetex");
}

void getset(command_context& c) {
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (e)
        c.out.bulk(e->val.str());
    else
        c.out.null();
    c.db().put(c.args[1], value::of_string(std::string(c.args[2])), c.now_ms);
    key_changed(c, notify_string, "set", c.args[1]);
}

void getdel(command_context& c) {
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.null();
    c.out.bulk(e->val.str());
    c.db().erase(c.args[1]);
    key_changed(c, notify_generic, "del", c.args[1]);
}

// GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]
void getex(command_context& c) {
    std::string_view unit, amount;
    bool persist = false;
    for (std::size_t i = 2; i < c.args.size(); ++i) {
        std::string_view a = c.args[i];
        bool is_unit =
            iequals(a, "ex") || iequals(a, "px") || iequals(a, "exat") || iequals(a, "pxat");
        if (is_unit && (unit.empty() || iequals(unit, a)) && !persist && i + 1 < c.args.size()) {
            unit = a;
            amount = c.args[++i];
        } else if (iequals(a, "persist") && unit.empty()) {
            persist = true;
        } else {
            return reply_syntax_error(c.out);
        }
    }
    // As Redis: the key is looked up (null, WRONGTYPE) before the expiry is checked.
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (!e && !wrong) return c.out.null();
    if (wrong) return reply_wrong_type(c.out);
    std::int64_t at = 0;
    if (!unit.empty() && !absolute_expiry(c, unit, amount, "getex", at)) return;
    c.out.bulk(e->val.str());
    if (at && at <= c.now_ms) {
        c.db().erase(c.args[1]); // a time already past deletes the key, as in Redis
        key_changed(c, notify_generic, "del", c.args[1]);
    } else if (at) {
        c.db().set_expiry(c.args[1], *e, at);
        key_changed(c, notify_generic, "expire", c.args[1]);
    } else if (persist && e->expire_at != 0) {
        c.db().set_expiry(c.args[1], *e, 0);
        key_changed(c, notify_generic, "persist", c.args[1]);
    }
}

void mget(command_context& c) {
    c.out.array(c.args.size() - 1);
    for (std::size_t i = 1; i < c.args.size(); ++i) {
        entry* e = c.db().find(c.args[i], c.now_ms);
        if (e && e->val.type() == value_type::string)
            c.out.bulk(e->val.str());
        else
            c.out.null();
    }
}

void mset(command_context& c) {
    if (c.args.size() % 2 == 0) return reply_wrong_arity(c.out, "mset");
    for (std::size_t i = 1; i + 1 < c.args.size(); i += 2) {
        c.db().put(c.args[i], value::of_string(std::string(c.args[i + 1])), c.now_ms);
        key_changed(c, notify_string, "set", c.args[i]);
    }
    c.out.ok();
}

void msetnx(command_context& c) {
    if (c.args.size() % 2 == 0) return reply_wrong_arity(c.out, "msetnx");
    for (std::size_t i = 1; i + 1 < c.args.size(); i += 2)
        if (c.db().find(c.args[i], c.now_ms)) return c.out.integer(0);
    for (std::size_t i = 1; i + 1 < c.args.size(); i += 2) {
        c.db().put(c.args[i], value::of_string(std::string(c.args[i + 1])), c.now_ms);
        key_changed(c, notify_string, "set", c.args[i]);
    }
    c.out.integer(1);
}

void append(command_context& c) {
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) {
        c.db().put(c.args[1], value::of_string(std::string(c.args[2])), c.now_ms);
        key_changed(c, notify_string, "append", c.args[1]);
        return c.out.integer(static_cast<long long>(c.args[2].size()));
    }
    if (e->val.str().size() + c.args[2].size() > c.srv.cfg().proto_max_bulk_len())
        return c.out.error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    e->val.str().append(c.args[2]);
    key_changed(c, notify_string, "append", c.args[1]);
    c.out.integer(static_cast<long long>(e->val.str().size()));
}

void strlen_cmd(command_context& c) {
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    c.out.integer(e ? static_cast<long long>(e->val.str().size()) : 0);
}

void incr_by(command_context& c, long long by) {
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    long long current = 0;
    if (e && !parse_integer(e->val.str(), current)) return reply_not_integer(c.out);
    if ((by > 0 && current > std::numeric_limits<long long>::max() - by) ||
        (by < 0 && current < std::numeric_limits<long long>::min() - by))
        return c.out.error("ERR increment or decrement would overflow");
    long long next = current + by;
    if (e)
        e->val.str() = std::to_string(next);
    else
        c.db().put(c.args[1], value::of_string(std::to_string(next)), c.now_ms);
    key_changed(c, notify_string, "incrby", c.args[1]);
    c.out.integer(next);
}

void incr(command_context& c) {
    incr_by(c, 1);
}
void decr(command_context& c) {
    incr_by(c, -1);
}
void incrby(command_context& c) {
    long long n = 0;
    if (!parse_integer(c.args[2], n)) return reply_not_integer(c.out);
    incr_by(c, n);
}
void decrby(command_context& c) {
    long long n = 0;
    if (!parse_integer(c.args[2], n)) return reply_not_integer(c.out);
    if (n == std::numeric_limits<long long>::min())
        return c.out.error("ERR decrement would overflow");
    incr_by(c, -n);
}

void incrbyfloat(command_context& c) {
    // Redis's order: the key's type, its value, then the increment.
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    long double current = 0;
    if (e && !parse_long_double(e->val.str(), current))
        return c.out.error("ERR value is not a valid float");
    long double by = 0;
    if (!parse_long_double(c.args[2], by)) return c.out.error("ERR value is not a valid float");
    long double next = current + by;
    if (std::isnan(next) || std::isinf(next))
        return c.out.error("ERR increment would produce NaN or Infinity");
    std::string text = resp::format_double(next);
    if (e)
        e->val.str() = text;
    else
        c.db().put(c.args[1], value::of_string(text), c.now_ms);
    key_changed(c, notify_string, "incrbyfloat", c.args[1]);
    c.out.bulk(text);
}

void getrange(command_context& c) {
    long long start = 0, end = 0;
    if (!parse_integer(c.args[2], start) || !parse_integer(c.args[3], end))
        return reply_not_integer(c.out);
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.bulk("");
    const std::string& s = e->val.str();
    long long len = static_cast<long long>(s.size());
    if (start < 0 && end < 0 && start > end) return c.out.bulk("");
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (len == 0 || start > end) return c.out.bulk("");
    c.out.bulk(std::string_view(s).substr(static_cast<std::size_t>(start),
                                          static_cast<std::size_t>(end - start + 1)));
}

void setrange(command_context& c) {
    long long offset = 0;
    if (!parse_integer(c.args[2], offset)) return reply_not_integer(c.out);
    if (offset < 0) return c.out.error("ERR offset is out of range");
    std::string_view piece = c.args[3];
    bool wrong = false;
    entry* e = string_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e && piece.empty()) return c.out.integer(0);
    if (static_cast<unsigned long long>(offset) + piece.size() > c.srv.cfg().proto_max_bulk_len())
        return c.out.error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    if (!e) e = &c.db().put(c.args[1], value::of_string({}), c.now_ms);
    std::string& s = e->val.str();
    if (!piece.empty()) {
        std::size_t need = static_cast<std::size_t>(offset) + piece.size();
        if (s.size() < need) s.resize(need, '\0');
        s.replace(static_cast<std::size_t>(offset), piece.size(), piece);
        key_changed(c, notify_string, "setrange", c.args[1]);
    }
    c.out.integer(static_cast<long long>(s.size()));
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest common
// subsequence by dynamic programming, and its matching ranges walked back from the ends, as
// Redis reports them (ranges from the last to the first).
void lcs(command_context& c) {
    // Redis's order: the keys' types, then the options.
    entry* ea = c.db().find(c.args[1], c.now_ms);
    entry* eb = c.db().find(c.args[2], c.now_ms);
    if ((ea && ea->val.type() != value_type::string) ||
        (eb && eb->val.type() != value_type::string))
        return c.out.error("ERR The specified keys must contain string values");
    bool want_len = false, want_idx = false, with_match_len = false;
    long long min_match_len = 0;
    for (std::size_t i = 3; i < c.args.size(); ++i) {
        std::string_view a = c.args[i];
        if (iequals(a, "len")) {
            want_len = true;
        } else if (iequals(a, "idx")) {
            want_idx = true;
        } else if (iequals(a, "withmatchlen")) {
            with_match_len = true;
        } else if (iequals(a, "minmatchlen") && i + 1 < c.args.size()) {
            if (!parse_integer(c.args[++i], min_match_len)) return reply_not_integer(c.out);
            if (min_match_len < 0) min_match_len = 0;
        } else {
            return reply_syntax_error(c.out);
        }
    }
    if (want_len && want_idx)
        return c.out.error("ERR If you want both the length and indexes, please just use IDX.");
    std::string_view a = ea ? std::string_view(ea->val.str()) : std::string_view();
    std::string_view b = eb ? std::string_view(eb->val.str()) : std::string_view();
    const std::size_t alen = a.size(), blen = b.size();
    if ((alen + 1) * (blen + 1) * sizeof(std::uint32_t) > c.srv.cfg().proto_max_bulk_len())
        return c.out.error(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    std::vector<std::uint32_t> table((alen + 1) * (blen + 1), 0);
    auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& {
        return table[j * (alen + 1) + i];
    };
    for (std::size_t j = 1; j <= blen; ++j)
        for (std::size_t i = 1; i <= alen; ++i)
            at(i, j) =
                a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    const std::uint32_t length = at(alen, blen);
    if (want_len) return c.out.integer(length);
    std::string sequence(length, '\0');
    std::string ranges;
    resp::reply range_out(ranges, c.out.protocol());
    std::size_t range_count = 0;
    std::size_t i = alen, j = blen, idx = length;
    std::size_t a_start = alen, a_end = 0, b_start = 0, b_end = 0; // a_start == alen: none
    while (i > 0 && j > 0) {
        bool emit = false;
        if (a[i - 1] == b[j - 1]) {
            sequence[idx - 1] = a[i - 1];
            if (a_start == alen) {
                a_start = a_end = i - 1;
                b_start = b_end = j - 1;
            } else if (a_start == i && b_start == j) {
                --a_start; // the range grows backwards while contiguous
                --b_start;
            } else {
                emit = true;
            }
            if (a_start == 0 || b_start == 0) emit = true;
            --idx;
            --i;
            --j;
        } else {
            if (at(i - 1, j) > at(i, j - 1))
                --i;
            else
                --j;
            if (a_start != alen) emit = true;
        }
        if (emit) {
            std::size_t match_len = a_end - a_start + 1;
            if (min_match_len == 0 || match_len >= static_cast<std::size_t>(min_match_len)) {
                if (want_idx) {
                    range_out.array(with_match_len ? 3 : 2);
                    range_out.array(2);
                    range_out.integer(static_cast<long long>(a_start));
                    range_out.integer(static_cast<long long>(a_end));
                    range_out.array(2);
                    range_out.integer(static_cast<long long>(b_start));
                    range_out.integer(static_cast<long long>(b_end));
                    if (with_match_len) range_out.integer(static_cast<long long>(match_len));
                }
                ++range_count;
            }
            a_start = alen;
        }
    }
    if (!want_idx) return c.out.bulk(sequence);
    c.out.map(2);
    c.out.bulk("matches");
    c.out.array(range_count);
    c.out.bytes().append(ranges);
    c.out.bulk("len");
    c.out.integer(length);
}

} // namespace

void register_string_commands(command_table& t) {
    constexpr std::uint32_t r = cmd_readonly | cmd_fast, w = cmd_write | cmd_fast;
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({"get", 2, r, 1, 1, 1, get});
    add({"set", -3, cmd_write, 1, 1, 1, set});
    add({"setnx", 3, w, 1, 1, 1, setnx});
    add({"setex", 4, cmd_write, 1, 1, 1, setex});
    add({"psetex", 4, cmd_write, 1, 1, 1, psetex});
    add({"getset", 3, w, 1, 1, 1, getset});
    add({"getdel", 2, w, 1, 1, 1, getdel});
    add({"getex", -2, w, 1, 1, 1, getex});
    add({"mget", -2, r, 1, -1, 1, mget, split_kind::values});
    add({"mset", -3, cmd_write, 1, -1, 2, mset, split_kind::ok});
    add({"msetnx", -3, cmd_write, 1, -1, 2, msetnx});
    add({"append", 3, w, 1, 1, 1, append});
    add({"strlen", 2, r, 1, 1, 1, strlen_cmd});
    add({"incr", 2, w, 1, 1, 1, incr});
    add({"decr", 2, w, 1, 1, 1, decr});
    add({"incrby", 3, w, 1, 1, 1, incrby});
    add({"decrby", 3, w, 1, 1, 1, decrby});
    add({"incrbyfloat", 3, w, 1, 1, 1, incrbyfloat});
    add({"getrange", 4, cmd_readonly, 1, 1, 1, getrange});
    add({"substr", 4, cmd_readonly, 1, 1, 1, getrange});
    add({"setrange", 4, cmd_write, 1, 1, 1, setrange});
    add({"lcs", -3, cmd_readonly, 1, 2, 1, lcs});
}

} // namespace corio_redis
