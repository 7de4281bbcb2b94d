// Hash commands: HSET/HMSET/HSETNX, HGET/HMGET, HDEL, HEXISTS, HLEN, HSTRLEN, HKEYS/HVALS/
// HGETALL, HINCRBY/HINCRBYFLOAT, HRANDFIELD and HSCAN. Each runs on its key's shard. A hash
// that loses its last field is deleted, as Redis never keeps an empty one.
//
// HSCAN's cursor is a bucket index of the hash's table: a call returns whole buckets from the
// cursor on, and the next cursor is the bucket after the last one returned (0 at the end). A
// field present for the whole scan is returned once, unless the hash grows enough to be
// rehashed between calls (the table is then laid out anew and fields may be missed or
// repeated); fields added or removed during the scan may or may not be returned.
#include "../server.hpp"
#include "collection_random.hpp"
#include "collection_scan.hpp"
#include "encoding.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace corio_redis {
namespace {

using db::entry;
using db::hash_type;
using db::value;
using db::value_type;

using field_ptr = const hash_type::value_type*;

// The hash at key: null if absent; sets `wrong` if the key holds another type.
entry* hash_entry(command_context& c, std::string_view key, bool& wrong) {
    entry* e = c.db().find(key, c.now_ms);
    wrong = e && e->val.type() != value_type::hash;
    return wrong ? nullptr : e;
}

// The hash at key, created empty if absent (only call it when a field is about to be set).
hash_type& hash_for_write(command_context& c, entry* e) {
    if (!e) e = &c.db().put(c.args[1], value::new_hash(), c.now_ms);
    return e->val.hash();
}

// HSET key field value [field value ...], and HMSET (which replies +OK).
void hset_common(command_context& c, bool hmset) {
    if (c.args.size() % 2 == 1) return reply_wrong_arity(c.out, hmset ? "hmset" : "hset");
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    hash_type& h = hash_for_write(c, e);
    long long created = 0;
    for (std::size_t i = 2; i + 1 < c.args.size(); i += 2) {
        auto it = h.find(c.args[i]);
        if (it == h.end()) {
            h.emplace(std::string(c.args[i]), std::string(c.args[i + 1]));
            ++created;
        } else {
            it->second.assign(c.args[i + 1]);
        }
    }
    note_hash_write(h, c.args.subspan(2), c.srv.cfg());
    key_changed(c, notify_hash, "hset", c.args[1]);
    if (hmset)
        c.out.ok();
    else
        c.out.integer(created);
}
void hset(command_context& c) {
    hset_common(c, false);
}
void hmset(command_context& c) {
    hset_common(c, true);
}

void hsetnx(command_context& c) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (e && e->val.hash().contains(c.args[2])) return c.out.integer(0);
    hash_type& h = hash_for_write(c, e);
    h.emplace(std::string(c.args[2]), std::string(c.args[3]));
    note_hash_write(h, c.args.subspan(2, 2), c.srv.cfg());
    key_changed(c, notify_hash, "hset", c.args[1]);
    c.out.integer(1);
}

void hget(command_context& c) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.null();
    auto& h = e->val.hash();
    auto it = h.find(c.args[2]);
    if (it == h.end()) return c.out.null();
    c.out.bulk(it->second);
}

void hmget(command_context& c) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    c.out.array(c.args.size() - 2);
    for (std::size_t i = 2; i < c.args.size(); ++i) {
        if (!e) {
            c.out.null();
            continue;
        }
        auto& h = e->val.hash();
        auto it = h.find(c.args[i]);
        if (it == h.end())
            c.out.null();
        else
            c.out.bulk(it->second);
    }
}

void hdel(command_context& c) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.integer(0);
    auto& h = e->val.hash();
    long long removed = 0;
    for (std::size_t i = 2; i < c.args.size() && !h.empty(); ++i) {
        auto it = h.find(c.args[i]);
        if (it == h.end()) continue;
        h.erase(it);
        ++removed;
    }
    if (removed > 0) key_changed(c, notify_hash, "hdel", c.args[1]);
    if (h.empty()) {
        c.db().erase(c.args[1]);
        key_changed(c, notify_generic, "del", c.args[1]);
    }
    c.out.integer(removed);
}

void hexists(command_context& c) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    c.out.integer(e && e->val.hash().contains(c.args[2]) ? 1 : 0);
}

void hlen(command_context& c) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    c.out.integer(e ? static_cast<long long>(e->val.hash().size()) : 0);
}

void hstrlen(command_context& c) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.integer(0);
    auto& h = e->val.hash();
    auto it = h.find(c.args[2]);
    c.out.integer(it == h.end() ? 0 : static_cast<long long>(it->second.size()));
}

void hkeys(command_context& c) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.array(0);
    auto& h = e->val.hash();
    c.out.array(h.size());
    for (auto& kv : h) c.out.bulk(kv.first);
}

void hvals(command_context& c) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.array(0);
    auto& h = e->val.hash();
    c.out.array(h.size());
    for (auto& kv : h) c.out.bulk(kv.second);
}

void hgetall(command_context& c) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.map(0);
    auto& h = e->val.hash();
    c.out.map(h.size());
    for (auto& kv : h) {
        c.out.bulk(kv.first);
        c.out.bulk(kv.second);
    }
}

void hincrby(command_context& c) {
    long long by = 0;
    if (!parse_integer(c.args[3], by)) return reply_not_integer(c.out);
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    std::string* slot = nullptr;
    long long current = 0;
    if (e) {
        auto& h = e->val.hash();
        auto it = h.find(c.args[2]);
        if (it != h.end()) {
            slot = &it->second;
            if (!parse_integer(*slot, current))
                return c.out.error("ERR hash value is not an integer");
        }
    }
    if ((by > 0 && current > std::numeric_limits<long long>::max() - by) ||
        (by < 0 && current < std::numeric_limits<long long>::min() - by))
        return c.out.error("ERR increment or decrement would overflow");
    long long next = current + by;
    std::string text = std::to_string(next);
    hash_type& h = slot ? e->val.hash() : hash_for_write(c, e);
    if (slot)
        *slot = text;
    else
        h.emplace(std::string(c.args[2]), text);
    const std::string_view written[] = {c.args[2], text};
    note_hash_write(h, written, c.srv.cfg());
    key_changed(c, notify_hash, "hincrby", c.args[1]);
    c.out.integer(next);
}

void hincrbyfloat(command_context& c) {
    long double by = 0;
    if (!parse_long_double(c.args[3], by)) return c.out.error("ERR value is not a valid float");
    if (std::isnan(by) || std::isinf(by)) return c.out.error("ERR value is NaN or Infinity");
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    std::string* slot = nullptr;
    long double current = 0;
    if (e) {
        auto& h = e->val.hash();
        auto it = h.find(c.args[2]);
        if (it != h.end()) {
            slot = &it->second;
            if (!parse_long_double(*slot, current))
                return c.out.error("ERR hash value is not a float");
        }
    }
    long double next = current + by;
    if (std::isnan(next) || std::isinf(next))
        return c.out.error("ERR increment would produce NaN or Infinity");
    std::string text = resp::format_double(next);
    hash_type& h = slot ? e->val.hash() : hash_for_write(c, e);
    if (slot)
        *slot = text;
    else
        h.emplace(std::string(c.args[2]), text);
    const std::string_view written[] = {c.args[2], text};
    note_hash_write(h, written, c.srv.cfg());
    key_changed(c, notify_hash, "hincrbyfloat", c.args[1]);
    c.out.bulk(text);
}

// HRANDFIELD key count [WITHVALUES]: distinct fields for a positive count, fields drawn
// independently (repeats allowed) for a negative one. RESP3 nests each field-value pair.
void hrandfield_count(command_context& c, long long l, bool withvalues) {
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e || l == 0) return c.out.array(0);
    const hash_type& h = e->val.hash();
    const bool unique = l > 0;
    const std::size_t count = static_cast<std::size_t>(unique ? l : -l);
    const bool nested = withvalues && c.out.protocol() >= 3;
    auto header = [&](std::size_t n) { c.out.array(withvalues && !nested ? n * 2 : n); };
    auto emit = [&](const hash_type::value_type& kv) {
        if (nested) c.out.array(2);
        c.out.bulk(kv.first);
        if (withvalues) c.out.bulk(kv.second);
    };
    if (!unique || count == 1) {
        header(count);
        for (std::size_t i = 0; i < count; ++i) emit(*random_element(h));
        return;
    }
    if (count >= h.size()) {
        header(h.size());
        for (auto& kv : h) emit(kv);
        return;
    }
    auto picked = distinct_elements(h, count);
    header(picked.size());
    for (field_ptr p : picked) emit(*p);
}

void hrandfield(command_context& c) {
    if (c.args.size() >= 3) {
        long long l = 0;
        if (!parse_integer(c.args[2], l)) return reply_not_integer(c.out);
        constexpr long long max = std::numeric_limits<long long>::max();
        if (l < -max)
            return c.out.error("ERR value is out of range, value must between "
                               "-9223372036854775807 and 9223372036854775807");
        if (c.args.size() > 4 || (c.args.size() == 4 && !iequals(c.args[3], "withvalues")))
            return reply_syntax_error(c.out);
        bool withvalues = c.args.size() == 4;
        if (withvalues && (l < -max / 2 || l > max / 2))
            return c.out.error("ERR value is out of range");
        return hrandfield_count(c, l, withvalues);
    }
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.null();
    c.out.bulk(random_element(e->val.hash())->first);
}

// HSCAN key cursor [MATCH pattern] [COUNT count]. See the top of the file for the cursor.
void hscan(command_context& c) {
    unsigned long long cursor = 0;
    if (!parse_scan_cursor(c.args[2], cursor)) return c.out.error("ERR invalid cursor");
    bool wrong = false;
    entry* e = hash_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return reply_empty_scan(c.out);
    scan_options o;
    if (!parse_scan_options(c, 3, o)) return;
    std::vector<field_ptr> found;
    std::size_t next = scan_buckets(
        e->val.hash(), cursor, o, [](const auto& kv) -> const std::string& { return kv.first; },
        found);
    c.out.array(2);
    c.out.bulk(std::to_string(next));
    c.out.array(found.size() * 2);
    for (field_ptr p : found) {
        c.out.bulk(p->first);
        c.out.bulk(p->second);
    }
}

} // namespace

void register_hash_commands(command_table& t) {
    constexpr std::uint32_t r = cmd_readonly | cmd_fast, w = cmd_write | cmd_fast;
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({"hset", -4, w, 1, 1, 1, hset});
    add({"hmset", -4, w, 1, 1, 1, hmset});
    add({"hsetnx", 4, w, 1, 1, 1, hsetnx});
    add({"hget", 3, r, 1, 1, 1, hget});
    add({"hmget", -3, r, 1, 1, 1, hmget});
    add({"hdel", -3, w, 1, 1, 1, hdel});
    add({"hexists", 3, r, 1, 1, 1, hexists});
    add({"hlen", 2, r, 1, 1, 1, hlen});
    add({"hstrlen", 3, r, 1, 1, 1, hstrlen});
    add({"hkeys", 2, cmd_readonly, 1, 1, 1, hkeys});
    add({"hvals", 2, cmd_readonly, 1, 1, 1, hvals});
    add({"hgetall", 2, cmd_readonly, 1, 1, 1, hgetall});
    add({"hincrby", 4, w, 1, 1, 1, hincrby});
    add({"hincrbyfloat", 4, w, 1, 1, 1, hincrbyfloat});
    add({"hrandfield", -2, cmd_readonly, 1, 1, 1, hrandfield});
    add({"hscan", -3, cmd_readonly, 1, 1, 1, hscan});
}

} // namespace corio_redis
