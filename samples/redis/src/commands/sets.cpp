// Set commands: SADD, SREM, SMEMBERS, SISMEMBER/SMISMEMBER, SCARD, SPOP, SRANDMEMBER, SMOVE,
// SSCAN, and the algebra: SINTER/SINTERCARD/SINTERSTORE, SUNION/SUNIONSTORE, SDIFF/SDIFFSTORE.
// A command with several keys runs with all of them on one shard (the server refuses the
// others). A set that loses its last member is deleted, as Redis never keeps an empty one.
//
// SSCAN's cursor is a bucket index of the set's table: a call returns whole buckets from the
// cursor on, and the next cursor is the bucket after the last one returned (0 at the end). A
// member present for the whole scan is returned once, unless the set grows enough to be
// rehashed between calls (the table is then laid out anew and members may be missed or
// repeated); members added or removed during the scan may or may not be returned.
#include "../server.hpp"
#include "collection_random.hpp"
#include "collection_scan.hpp"
#include "encoding.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace corio_redis {
namespace {

using db::entry;
using db::set_type;
using db::value;
using db::value_type;

using member_ptr = const std::string*;

// The set at key: null if absent; sets `wrong` if the key holds another type.
entry* set_entry(command_context& c, std::string_view key, bool& wrong) {
    entry* e = c.db().find(key, c.now_ms);
    wrong = e && e->val.type() != value_type::set;
    return wrong ? nullptr : e;
}

// The sets at args[first, last): null for a missing key. False, with WRONGTYPE replied, if
// one of the keys holds another type.
bool lookup_sets(command_context& c, std::size_t first, std::size_t last,
                 std::vector<const set_type*>& sets) {
    sets.clear();
    for (std::size_t i = first; i < last; ++i) {
        bool wrong = false;
        entry* e = set_entry(c, c.args[i], wrong);
        if (wrong) {
            reply_wrong_type(c.out);
            return false;
        }
        sets.push_back(e ? &e->val.set() : nullptr);
    }
    return true;
}

bool any_missing(const std::vector<const set_type*>& sets) {
    return std::find(sets.begin(), sets.end(), nullptr) != sets.end();
}

// Calls f on each member of the intersection of `sets` (none null), stopping after `limit`
// members if limit is not 0.
template <class F>
void intersect(std::vector<const set_type*> sets, std::size_t limit, F&& f) {
    std::sort(sets.begin(), sets.end(),
              [](const set_type* a, const set_type* b) { return a->size() < b->size(); });
    std::size_t found = 0;
    for (const std::string& m : *sets[0]) {
        bool everywhere = true;
        for (std::size_t j = 1; j < sets.size() && everywhere; ++j)
            everywhere = sets[j] == sets[0] || sets[j]->contains(m);
        if (!everywhere) continue;
        f(m);
        if (limit != 0 && ++found >= limit) return;
    }
}

set_type union_of(const std::vector<const set_type*>& sets) {
    set_type out;
    for (const set_type* s : sets)
        if (s) out.insert(s->begin(), s->end());
    return out;
}

// The members of the first set in none of the others (null sets are empty).
set_type difference_of(const std::vector<const set_type*>& sets) {
    set_type out;
    if (sets.empty() || !sets[0]) return out;
    for (const std::string& m : *sets[0]) {
        bool elsewhere = false;
        for (std::size_t j = 1; j < sets.size() && !elsewhere; ++j)
            elsewhere = sets[j] && sets[j]->contains(m);
        if (!elsewhere) out.insert(m);
    }
    return out;
}

void reply_members(command_context& c, const set_type& s) {
    c.out.set(s.size());
    for (const std::string& m : s) c.out.bulk(m);
}

// Stores `result` at args[1] (replacing whatever is there, TTL included), or deletes args[1]
// if it is empty; replies with its size. `event`: the command's keyspace event.
void store(command_context& c, set_type result, std::string_view event) {
    if (result.empty()) {
        if (c.db().erase(c.args[1])) key_changed(c, notify_generic, "del", c.args[1]);
        return c.out.integer(0);
    }
    long long n = static_cast<long long>(result.size());
    value v = value::new_set();
    v.set() = std::move(result);
    settle_set_encoding(v.set(), c.srv.cfg()); // Redis builds the result as a new set
    c.db().put(c.args[1], std::move(v), c.now_ms);
    key_changed(c, notify_set, event, c.args[1]);
    c.out.integer(n);
}

// After members left the set at args[1]: deleted (with its event) if it is now empty.
void drop_if_empty(command_context& c, const set_type& s) {
    if (!s.empty()) return;
    c.db().erase(c.args[1]);
    key_changed(c, notify_generic, "del", c.args[1]);
}

void sadd(command_context& c) {
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) e = &c.db().put(c.args[1], value::new_set(), c.now_ms);
    auto& s = e->val.set();
    long long added = 0;
    for (std::size_t i = 2; i < c.args.size(); ++i)
        if (!s.contains(c.args[i])) {
            s.emplace(c.args[i]);
            note_set_add(s, c.args[i], c.srv.cfg());
            ++added;
        }
    if (added > 0) key_changed(c, notify_set, "sadd", c.args[1]);
    c.out.integer(added);
}

void srem(command_context& c) {
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.integer(0);
    auto& s = e->val.set();
    long long removed = 0;
    for (std::size_t i = 2; i < c.args.size() && !s.empty(); ++i) {
        auto it = s.find(c.args[i]);
        if (it == s.end()) continue;
        s.erase(it);
        ++removed;
    }
    if (removed > 0) key_changed(c, notify_set, "srem", c.args[1]);
    drop_if_empty(c, s);
    c.out.integer(removed);
}

void smembers(command_context& c) {
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.set(0);
    reply_members(c, e->val.set());
}

void sismember(command_context& c) {
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    c.out.integer(e && e->val.set().contains(c.args[2]) ? 1 : 0);
}

void smismember(command_context& c) {
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    c.out.array(c.args.size() - 2);
    for (std::size_t i = 2; i < c.args.size(); ++i)
        c.out.integer(e && e->val.set().contains(c.args[i]) ? 1 : 0);
}

void scard(command_context& c) {
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    c.out.integer(e ? static_cast<long long>(e->val.set().size()) : 0);
}

// SPOP key count: up to count distinct members, removed; a set reply.
void spop_count(command_context& c) {
    long long l = 0;
    if (!parse_integer(c.args[2], l) || l < 0)
        return c.out.error("ERR value is out of range, must be positive");
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e || l == 0) return c.out.set(0);
    auto& s = e->val.set();
    const std::size_t count = static_cast<std::size_t>(l);
    key_changed(c, notify_set, "spop", c.args[1]);
    if (count >= s.size()) {
        reply_members(c, s);
        s.clear();
        return drop_if_empty(c, s);
    }
    auto picked = distinct_elements(s, count);
    c.out.set(picked.size());
    for (member_ptr p : picked) {
        c.out.bulk(*p);
        s.erase(s.find(*p));
    }
    // Redis moves what few members remain (5 times fewer than it pops) into a new set,
    // which starts out small again.
    if (s.size() * 5 <= count) settle_set_encoding(s, c.srv.cfg());
}

void spop(command_context& c) {
    if (c.args.size() == 3) return spop_count(c);
    if (c.args.size() > 3) return reply_syntax_error(c.out);
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.null();
    auto& s = e->val.set();
    auto node = s.extract(s.find(*random_element(s)));
    c.out.bulk(node.value());
    key_changed(c, notify_set, "spop", c.args[1]);
    drop_if_empty(c, s);
}

// SRANDMEMBER key count: distinct members for a positive count, members drawn independently
// (repeats allowed) for a negative one; an array reply.
void srandmember_count(command_context& c) {
    long long l = 0;
    if (!parse_integer(c.args[2], l)) return reply_not_integer(c.out);
    if (l < -std::numeric_limits<long long>::max())
        return c.out.error("ERR value is out of range, value must between "
                           "-9223372036854775807 and 9223372036854775807");
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e || l == 0) return c.out.array(0);
    const set_type& s = e->val.set();
    const bool unique = l > 0;
    const std::size_t count = static_cast<std::size_t>(unique ? l : -l);
    if (!unique || count == 1) {
        c.out.array(count);
        for (std::size_t i = 0; i < count; ++i) c.out.bulk(*random_element(s));
        return;
    }
    if (count >= s.size()) {
        c.out.array(s.size());
        for (const std::string& m : s) c.out.bulk(m);
        return;
    }
    auto picked = distinct_elements(s, count);
    c.out.array(picked.size());
    for (member_ptr p : picked) c.out.bulk(*p);
}

void srandmember(command_context& c) {
    if (c.args.size() == 3) return srandmember_count(c);
    if (c.args.size() > 3) return reply_syntax_error(c.out);
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return c.out.null();
    c.out.bulk(*random_element(e->val.set()));
}

void sinter(command_context& c) {
    std::vector<const set_type*> sets;
    if (!lookup_sets(c, 1, c.args.size(), sets)) return;
    if (any_missing(sets)) return c.out.set(0);
    std::vector<member_ptr> found;
    intersect(sets, 0, [&](const std::string& m) { found.push_back(&m); });
    c.out.set(found.size());
    for (member_ptr p : found) c.out.bulk(*p);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void sintercard(command_context& c) {
    long long numkeys = 0;
    if (!parse_integer(c.args[1], numkeys) || numkeys < 1)
        return c.out.error("ERR numkeys should be greater than 0");
    if (numkeys > static_cast<long long>(c.args.size()) - 2)
        return c.out.error("ERR Number of keys can't be greater than number of args");
    const std::size_t keys_end = 2 + static_cast<std::size_t>(numkeys);
    long long limit = 0;
    for (std::size_t i = keys_end; i < c.args.size(); ++i) {
        if (iequals(c.args[i], "limit") && i + 1 < c.args.size()) {
            if (!parse_integer(c.args[++i], limit) || limit < 0)
                return c.out.error("ERR LIMIT can't be negative");
        } else {
            return reply_syntax_error(c.out);
        }
    }
    std::vector<const set_type*> sets;
    if (!lookup_sets(c, 2, keys_end, sets)) return;
    if (any_missing(sets)) return c.out.integer(0);
    long long n = 0;
    intersect(sets, static_cast<std::size_t>(limit), [&](const std::string&) { ++n; });
    c.out.integer(n);
}

void sinterstore(command_context& c) {
    std::vector<const set_type*> sets;
    if (!lookup_sets(c, 2, c.args.size(), sets)) return;
    set_type result;
    if (!any_missing(sets)) intersect(sets, 0, [&](const std::string& m) { result.insert(m); });
    store(c, std::move(result), "sinterstore");
}

void sunion(command_context& c) {
    std::vector<const set_type*> sets;
    if (!lookup_sets(c, 1, c.args.size(), sets)) return;
    reply_members(c, union_of(sets));
}

void sunionstore(command_context& c) {
    std::vector<const set_type*> sets;
    if (!lookup_sets(c, 2, c.args.size(), sets)) return;
    store(c, union_of(sets), "sunionstore");
}

void sdiff(command_context& c) {
    std::vector<const set_type*> sets;
    if (!lookup_sets(c, 1, c.args.size(), sets)) return;
    reply_members(c, difference_of(sets));
}

void sdiffstore(command_context& c) {
    std::vector<const set_type*> sets;
    if (!lookup_sets(c, 2, c.args.size(), sets)) return;
    store(c, difference_of(sets), "sdiffstore");
}

// SMOVE source destination member
void smove(command_context& c) {
    auto& d = c.db();
    entry* src = d.find(c.args[1], c.now_ms);
    entry* dst = d.find(c.args[2], c.now_ms);
    if (!src) return c.out.integer(0);
    if (src->val.type() != value_type::set || (dst && dst->val.type() != value_type::set))
        return reply_wrong_type(c.out);
    auto& s = src->val.set();
    if (src == dst) return c.out.integer(s.contains(c.args[3]) ? 1 : 0);
    auto it = s.find(c.args[3]);
    if (it == s.end()) return c.out.integer(0);
    auto node = s.extract(it);
    key_changed(c, notify_set, "srem", c.args[1]);
    drop_if_empty(c, s);
    if (!dst) dst = &d.put(c.args[2], value::new_set(), c.now_ms);
    dst->val.set().insert(std::move(node));
    note_set_add(dst->val.set(), c.args[3], c.srv.cfg());
    key_changed(c, notify_set, "sadd", c.args[2]);
    c.out.integer(1);
}

// SSCAN key cursor [MATCH pattern] [COUNT count]. See the top of the file for the cursor.
void sscan(command_context& c) {
    unsigned long long cursor = 0;
    if (!parse_scan_cursor(c.args[2], cursor)) return c.out.error("ERR invalid cursor");
    bool wrong = false;
    entry* e = set_entry(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!e) return reply_empty_scan(c.out);
    scan_options o;
    if (!parse_scan_options(c, 3, o)) return;
    std::vector<member_ptr> found;
    std::size_t next = scan_buckets(
        e->val.set(), cursor, o, [](const std::string& m) -> const std::string& { return m; },
        found);
    c.out.array(2);
    c.out.bulk(std::to_string(next));
    c.out.array(found.size());
    for (member_ptr p : found) c.out.bulk(*p);
}

} // namespace

void register_set_commands(command_table& t) {
    constexpr std::uint32_t r = cmd_readonly | cmd_fast, w = cmd_write | cmd_fast;
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({"sadd", -3, w, 1, 1, 1, sadd});
    add({"srem", -3, w, 1, 1, 1, srem});
    add({"smembers", 2, cmd_readonly, 1, 1, 1, smembers});
    add({"sismember", 3, r, 1, 1, 1, sismember});
    add({"smismember", -3, r, 1, 1, 1, smismember});
    add({"scard", 2, r, 1, 1, 1, scard});
    add({"spop", -2, w, 1, 1, 1, spop});
    add({"srandmember", -2, cmd_readonly, 1, 1, 1, srandmember});
    add({"sinter", -2, cmd_readonly, 1, -1, 1, sinter});
    add({"sintercard", -3, cmd_readonly, 2, -1, 1, sintercard});
    add({"sinterstore", -3, cmd_write, 1, -1, 1, sinterstore});
    add({"sunion", -2, cmd_readonly, 1, -1, 1, sunion});
    add({"sunionstore", -3, cmd_write, 1, -1, 1, sunionstore});
    add({"sdiff", -2, cmd_readonly, 1, -1, 1, sdiff});
    add({"sdiffstore", -3, cmd_write, 1, -1, 1, sdiffstore});
    add({"smove", 4, w, 1, 2, 1, smove});
    add({"sscan", -3, cmd_readonly, 1, 1, 1, sscan});
}

} // namespace corio_redis
