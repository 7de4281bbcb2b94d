// Key commands: DEL/UNLINK/EXISTS/TOUCH (summed across shards), TYPE, the EXPIRE family and
// TTLs, PERSIST, RENAME/RENAMENX/COPY (one shard for now), KEYS and RANDOMKEY (every shard),
// DBSIZE, FLUSHDB, FLUSHALL and SWAPDB (every shard).
#include "../server.hpp"
#include "scan.hpp"

#include <cctype>
#include <limits>
#include <random>
#include <string>

namespace corio_redis {
namespace {

using db::entry;
using db::value_type;

void del(command_context& c) {
    long long n = 0;
    for (std::size_t i = 1; i < c.args.size(); ++i) {
        if (c.db().find(c.args[i], c.now_ms) && c.db().erase(c.args[i])) {
            ++n;
            key_changed(c, notify_generic, "del", c.args[i]);
        }
    }
    c.out.integer(n);
}

void exists(command_context& c) {
    long long n = 0;
    for (std::size_t i = 1; i < c.args.size(); ++i)
        n += c.db().find(c.args[i], c.now_ms) != nullptr;
    c.out.integer(n);
}

void type(command_context& c) {
    entry* e = c.db().find(c.args[1], c.now_ms);
    c.out.simple(e ? db::type_name(e->val.type()) : "none");
}

// EXPIRE key n [NX | XX | GT | LT], and PEXPIRE / EXPIREAT / PEXPIREAT.
void expire_common(command_context& c, bool seconds, bool absolute, std::string_view name) {
    // Redis's order: the options, then the number.
    bool nx = false, xx = false, gt = false, lt = false;
    for (std::size_t i = 3; i < c.args.size(); ++i) {
        std::string_view a = c.args[i];
        if (iequals(a, "nx"))
            nx = true;
        else if (iequals(a, "xx"))
            xx = true;
        else if (iequals(a, "gt"))
            gt = true;
        else if (iequals(a, "lt"))
            lt = true;
        else
            return c.out.error("ERR Unsupported option " + std::string(a));
    }
    if (nx && (xx || gt || lt))
        return c.out.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    if (gt && lt) return c.out.error("ERR GT and LT options at the same time are not compatible");
    long long n = 0;
    if (!parse_integer(c.args[2], n)) return reply_not_integer(c.out);
    constexpr long long max = std::numeric_limits<long long>::max();
    long long ms = n;
    if (seconds) {
        if (n > max / 1000 || n < std::numeric_limits<long long>::min() / 1000)
            return c.out.error("ERR invalid expire time in '" + std::string(name) + "' command");
        ms = n * 1000;
    }
    if (!absolute) {
        if (ms > 0 && ms > max - c.now_ms)
            return c.out.error("ERR invalid expire time in '" + std::string(name) + "' command");
        ms += c.now_ms;
    }
    auto& d = c.db();
    entry* e = d.find(c.args[1], c.now_ms);
    if (!e) return c.out.integer(0);
    std::int64_t current = e->expire_at; // 0: persistent, which GT/LT treat as infinite
    if (nx && current != 0) return c.out.integer(0);
    if (xx && current == 0) return c.out.integer(0);
    if (gt && (current == 0 || ms <= current)) return c.out.integer(0);
    if (lt && current != 0 && ms >= current) return c.out.integer(0);
    if (ms <= c.now_ms) {
        d.erase(c.args[1]); // an expiry in the past deletes the key
        key_changed(c, notify_generic, "del", c.args[1]);
        return c.out.integer(1);
    }
    d.set_expiry(c.args[1], *e, ms);
    key_changed(c, notify_generic, "expire", c.args[1]);
    c.out.integer(1);
}
void expire(command_context& c) {
    expire_common(c, true, false, "expire");
}
void pexpire(command_context& c) {
    expire_common(c, false, false, "pexpire");
}
void expireat(command_context& c) {
    expire_common(c, true, true, "expireat");
}
void pexpireat(command_context& c) {
    expire_common(c, false, true, "pexpireat");
}

void ttl_common(command_context& c, bool in_ms, bool absolute) {
    entry* e = c.db().find(c.args[1], c.now_ms);
    if (!e) return c.out.integer(-2);
    if (e->expire_at == 0) return c.out.integer(-1);
    long long v = absolute ? e->expire_at : e->expire_at - c.now_ms;
    if (!in_ms) v = (v + 500) / 1000; // Redis rounds seconds to the nearest
    c.out.integer(v);
}
void ttl(command_context& c) {
    ttl_common(c, false, false);
}
void pttl(command_context& c) {
    ttl_common(c, true, false);
}
void expiretime(command_context& c) {
    ttl_common(c, false, true);
}
void pexpiretime(command_context& c) {
    ttl_common(c, true, true);
}

void persist_cmd(command_context& c) {
    entry* e = c.db().find(c.args[1], c.now_ms);
    if (!e || e->expire_at == 0) return c.out.integer(0);
    c.db().set_expiry(c.args[1], *e, 0);
    key_changed(c, notify_generic, "persist", c.args[1]);
    c.out.integer(1);
}

// RENAME and RENAMENX on one shard (keys on two shards are refused for now).
void rename_common(command_context& c, bool nx) {
    auto& d = c.db();
    entry* src = d.find(c.args[1], c.now_ms);
    if (!src) return c.out.error("ERR no such key");
    if (c.args[1] == c.args[2]) return nx ? c.out.integer(0) : c.out.ok();
    if (nx && d.find(c.args[2], c.now_ms)) return c.out.integer(0);
    db::value v = std::move(src->val);
    std::int64_t at = src->expire_at;
    d.erase(c.args[1]);
    entry& dst = d.put(c.args[2], std::move(v), c.now_ms);
    d.set_expiry(c.args[2], dst, at);
    key_changed(c, notify_generic, "rename_from", c.args[1]);
    key_changed(c, notify_generic, "rename_to", c.args[2]);
    if (nx)
        c.out.integer(1);
    else
        c.out.ok();
}
void rename(command_context& c) {
    rename_common(c, false);
}
void renamenx(command_context& c) {
    rename_common(c, true);
}

// COPY source destination [DB destination-db] [REPLACE], within one shard.
void copy(command_context& c) {
    std::size_t target_db = c.client.db;
    bool replace = false;
    for (std::size_t i = 3; i < c.args.size(); ++i) {
        if (iequals(c.args[i], "replace")) {
            replace = true;
        } else if (iequals(c.args[i], "db") && i + 1 < c.args.size()) {
            long long n = 0;
            if (!parse_integer(c.args[++i], n)) return reply_not_integer(c.out);
            if (n < 0 || static_cast<std::size_t>(n) >= c.srv.cfg().databases())
                return c.out.error("ERR DB index is out of range");
            target_db = static_cast<std::size_t>(n);
        } else {
            return reply_syntax_error(c.out);
        }
    }
    if (target_db == c.client.db && c.args[1] == c.args[2])
        return c.out.error("ERR source and destination objects are the same");
    entry* src = c.db().find(c.args[1], c.now_ms);
    if (!src) return c.out.integer(0);
    auto& dst_db = c.home->dbs[target_db];
    if (dst_db.find(c.args[2], c.now_ms) && !replace) return c.out.integer(0);
    entry& dst = dst_db.put(c.args[2], src->val.clone(), c.now_ms);
    dst_db.set_expiry(c.args[2], dst, src->expire_at);
    key_changed(c, target_db, notify_generic, "copy_to", c.args[2]);
    c.out.integer(1);
}

// MOVE key db: to another database of the same shard (a key's shard is the same in every
// database).
void move(command_context& c) {
    long long n = 0;
    if (!parse_integer(c.args[2], n)) return reply_not_integer(c.out);
    if (n < 0 || static_cast<std::size_t>(n) >= c.srv.cfg().databases())
        return c.out.error("ERR DB index is out of range");
    std::size_t target = static_cast<std::size_t>(n);
    if (target == c.client.db)
        return c.out.error("ERR source and destination objects are the same");
    entry* src = c.db().find(c.args[1], c.now_ms);
    if (!src) return c.out.integer(0);
    auto& dst_db = c.home->dbs[target];
    if (dst_db.find(c.args[1], c.now_ms)) return c.out.integer(0);
    std::int64_t at = src->expire_at;
    entry& dst = dst_db.put(c.args[1], std::move(src->val), c.now_ms);
    dst_db.set_expiry(c.args[1], dst, at);
    c.db().erase(c.args[1]);
    key_changed(c, notify_generic, "move_from", c.args[1]);
    key_changed(c, target, notify_generic, "move_to", c.args[1]);
    c.out.integer(1);
}

// KEYS pattern: this shard's matches (the session concatenates every shard's).
void keys(command_context& c) {
    auto& d = c.db();
    std::vector<std::string_view> found;
    d.entries().for_each([&](std::string_view key, const db::entry& e) {
        if (e.expire_at != 0 && e.expire_at <= c.now_ms) return;
        if (glob_match(c.args[1], key)) found.push_back(key);
    });
    c.out.array(found.size());
    for (auto k : found) c.out.bulk(k);
}

void dbsize(command_context& c) {
    c.out.integer(static_cast<long long>(c.db().size()));
}

bool flush_mode_ok(command_context& c) {
    if (c.args.size() > 2) {
        reply_syntax_error(c.out);
        return false;
    }
    if (c.args.size() == 2 && !iequals(c.args[1], "sync") && !iequals(c.args[1], "async")) {
        reply_syntax_error(c.out);
        return false;
    }
    return true;
}

void flushdb(command_context& c) {
    if (!flush_mode_ok(c)) return;
    c.db().clear();
    c.out.ok();
}

void flushall(command_context& c) {
    if (!flush_mode_ok(c)) return;
    for (auto& d : c.home->dbs) d.clear();
    c.out.ok();
}

// SWAPDB index1 index2: this shard's two databases trade contents (the session runs it on
// every shard, holding them all, so no client sees a half-swapped keyspace). Watchers of
// either database's keys and clients blocked on their lists are dealt with as in Redis.
void swapdb(command_context& c) {
    auto index = [&](std::string_view arg, long long& out) {
        return parse_integer(arg, out) && out >= std::numeric_limits<int>::min() &&
               out <= std::numeric_limits<int>::max();
    };
    long long a = 0, b = 0;
    if (!index(c.args[1], a)) return c.out.error("ERR invalid first DB index");
    if (!index(c.args[2], b)) return c.out.error("ERR invalid second DB index");
    const auto dbs = static_cast<long long>(c.home->dbs.size());
    if (a < 0 || a >= dbs || b < 0 || b >= dbs) return c.out.error("ERR DB index is out of range");
    if (a == b) return c.out.ok();
    shard& s = *c.home;
    const auto x = static_cast<std::size_t>(a), y = static_cast<std::size_t>(b);
    s.touch_swapped(x, y, c.now_ms);
    s.dbs[x].swap_contents(s.dbs[y]);
    // Lists that now exist under keys someone waits on serve their waiters.
    if (s.blocked_count != 0) {
        for (std::size_t d : {x, y}) {
            std::vector<std::string> waited_on;
            for (const auto& [key, queue] : s.blocked[d]) waited_on.push_back(key);
            for (const auto& key : waited_on)
                serve_blocked(s, d, key, c.now_ms, c.srv.shard_count());
        }
    }
    c.out.ok();
}

// RANDOMKEY: a random key of this shard (the session asks shards until one has a key).
void randomkey(command_context& c) {
    auto& d = c.db();
    if (d.size() == 0) return c.out.null();
    static thread_local std::minstd_rand rng{std::random_device{}()};
    auto& map = d.entries();
    for (int tries = 0; tries < 100; ++tries) {
        auto [key, e] = map.sample(rng(), rng());
        if (!e || (e->expire_at != 0 && e->expire_at <= c.now_ms)) continue;
        return c.out.bulk(key);
    }
    // Mostly expired keys: take the first live one.
    std::string_view live;
    bool found = false;
    map.for_each([&](std::string_view key, const db::entry& e) {
        if (!found && (e.expire_at == 0 || e.expire_at > c.now_ms)) {
            live = key;
            found = true;
        }
    });
    if (found) return c.out.bulk(live);
    c.out.null();
}

} // namespace

void register_key_commands(command_table& t) {
    constexpr std::uint32_t r = cmd_readonly | cmd_fast, w = cmd_write | cmd_fast;
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({"del", -2, cmd_write, 1, -1, 1, del, split_kind::sum});
    add({"unlink", -2, w, 1, -1, 1, del, split_kind::sum});
    add({"exists", -2, r, 1, -1, 1, exists, split_kind::sum});
    add({"touch", -2, r, 1, -1, 1, exists, split_kind::sum});
    add({"type", 2, r, 1, 1, 1, type});
    add({"expire", -3, w, 1, 1, 1, expire});
    add({"pexpire", -3, w, 1, 1, 1, pexpire});
    add({"expireat", -3, w, 1, 1, 1, expireat});
    add({"pexpireat", -3, w, 1, 1, 1, pexpireat});
    add({"ttl", 2, r, 1, 1, 1, ttl});
    add({"pttl", 2, r, 1, 1, 1, pttl});
    add({"expiretime", 2, r, 1, 1, 1, expiretime});
    add({"pexpiretime", 2, r, 1, 1, 1, pexpiretime});
    add({"persist", 2, w, 1, 1, 1, persist_cmd});
    add({"rename", 3, cmd_write, 1, 2, 1, rename});
    add({"renamenx", 3, w, 1, 2, 1, renamenx});
    add({"copy", -3, cmd_write, 1, 2, 1, copy});
    add({"move", 3, cmd_write | cmd_fast, 1, 1, 1, move});
    add({"keys", 2, cmd_readonly | cmd_all_shards, 0, 0, 0, keys, split_kind::concat});
    add({"dbsize", 1, r | cmd_all_shards, 0, 0, 0, dbsize, split_kind::sum});
    add({"flushdb", -1, cmd_write | cmd_all_shards, 0, 0, 0, flushdb, split_kind::ok});
    add({"flushall", -1, cmd_write | cmd_all_shards, 0, 0, 0, flushall, split_kind::ok});
    add({"swapdb", 3, w | cmd_all_shards, 0, 0, 0, swapdb, split_kind::ok});
    // SCAN runs in the session (it hops to the cursor's shard); the spec is for lookup and
    // arity.
    add({"scan", -2, cmd_readonly | cmd_keyless, 0, 0, 0, [](command_context&) {}});
    add({"randomkey", 1, cmd_readonly | cmd_all_shards, 0, 0, 0, randomkey, split_kind::first});
}

} // namespace corio_redis

namespace corio_redis {

std::size_t scan_database(db::database& d, std::size_t from, std::size_t count,
                          std::string_view pattern, std::optional<db::value_type> type,
                          std::int64_t now_ms, std::vector<std::string>& out) {
    auto& map = d.entries();
    std::size_t seen = 0, visited = 0;
    std::uint64_t cursor = from;
    // Whole buckets at a time, as Redis does; at most 10x COUNT buckets per call.
    std::vector<std::string> expired; // deleted as found, as Redis's SCAN does
    do {
        cursor = map.scan(cursor, [&](std::string_view key, const db::entry& e) {
            ++seen;
            if (e.expire_at != 0 && e.expire_at <= now_ms) {
                expired.emplace_back(key);
                return;
            }
            if (type && e.val.type() != *type) return;
            if (!pattern.empty() && !glob_match(pattern, key)) return;
            out.emplace_back(key);
        });
        ++visited;
    } while (cursor != 0 && seen < count && visited < count * 10);
    for (auto& key : expired) d.erase(key);
    return static_cast<std::size_t>(cursor);
}

} // namespace corio_redis
