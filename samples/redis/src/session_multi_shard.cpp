// Commands whose keys live on several shards: split per shard and merged (run_split), or
// gathered into a private shard, run there and written back (run_gathered). Either way the
// shards are held, in ascending order, until the command is done: it is atomic.
#include "persist/aof_logging.hpp"
#include "session.hpp"

#include <algorithm>

namespace corio_redis::detail {
namespace {

// The length of the RESP value at the front of `s` (a bulk, a null, an integer or a simple
// string or error: what per-key replies are), or 0 if it is none of those.
std::size_t value_length(std::string_view s) {
    auto line_end = s.find("\r\n");
    if (line_end == std::string_view::npos || s.empty()) return 0;
    if (s[0] != '$') return line_end + 2;
    long long len = 0;
    if (!parse_integer(s.substr(1, line_end - 1), len)) return 0;
    if (len < 0) return line_end + 2;
    return line_end + 2 + static_cast<std::size_t>(len) + 2;
}

} // namespace

corio::task<> session::run_split(const parsed_command& c) {
    auto args = args_of(c);
    const command_spec& spec = *c.spec;
    if (spec.split == split_kind::none) {
        co_await run_gathered(c);
        co_return;
    }
    const std::size_t shards = srv_.shard_count();
    const bool every_shard = (spec.flags & cmd_all_shards) != 0;
    std::vector<std::vector<std::size_t>> positions(shards); // argument index of each key
    std::size_t keys = 0;
    if (!every_shard) {
        for_each_key_index(spec, args, [&](std::size_t i) {
            positions[srv_.shard_of(args[i])].push_back(i);
            ++keys;
        });
    }
    std::size_t concat_count = 0;
    std::string concat_bytes;
    // Each shard is taken (in ascending order) and keeps serving only this operation until
    // every part is done: the command is atomic across shards.
    const std::uint64_t tx = tx_ ? tx_ : srv_.next_operation_id();
    std::vector<std::size_t> held; // released at the end, unless EXEC holds them
    std::vector<std::string> values(spec.split == split_kind::values ? keys : 0);
    long long sum = 0;
    std::vector<std::string> parts; // split_kind::merge: every shard's reply
    std::string sub_bytes;
    std::vector<std::string_view> sub;
    for (std::size_t s = 0; s < shards; ++s) {
        if (every_shard) {
            sub.assign(args.begin(), args.end());
        } else {
            if (positions[s].empty()) continue;
            sub.assign(1, args[0]);
            for (std::size_t p : positions[s])
                for (int k = 0; k < spec.key_step; ++k)
                    sub.push_back(args[p + static_cast<std::size_t>(k)]);
        }
        sub_bytes.clear();
        resp::reply sub_out(sub_bytes, client_.protocol);
        shard& target = srv_.shard_at(s);
        std::vector<std::string_view> part_keys; // this shard's keys, to lock
        for (std::size_t p : positions[s]) part_keys.push_back(args[p]);
        auto take = [&] {
            return every_shard ? target.lock_all(tx) : target.lock_keys(part_keys, tx);
        };
        auto work = [&] {
            if (!take()) return false;
            std::int64_t now = unix_ms();
            if (every_shard && spec.flags & cmd_write && target.watch_count != 0) {
                for (std::size_t d = 0; d < target.dbs.size(); ++d)
                    if (flushes(spec, d)) target.touch_existing(d, now);
            }
            command_context ctx{sub, client_, srv_, &target, sub_out, now};
            const bool reading = (spec.flags & cmd_readonly) != 0; // keyspace_hits/misses
            if (reading) target.dbs[client_.db].count_lookups(true);
            // A keyspace-wide write (FLUSHALL, SWAPDB) changes no key by name: each shard logs
            // the command itself, then what else it touched (keyed writes log their keys'
            // states as they touch them).
            const bool logged = every_shard && spec.flags & cmd_write && target.aof;
            persist::changed_keys changed;
            if (logged) target.touch_log = &changed;
            spec.fn(ctx);
            if (logged) {
                target.touch_log = nullptr;
                persist::log_command(target, client_.db, sub, changed,
                                     persist::logging_of(spec.name) == persist::logged_as::sent
                                         ? persist::logged_as::sent
                                         : persist::logged_as::sent_then_states);
            }
            if (reading) target.dbs[client_.db].count_lookups(false);
            if (!every_shard && spec.flags & cmd_write && target.blocked_count != 0) {
                for (std::size_t k = 1; k < sub.size(); k += spec.key_step)
                    serve_blocked(target, client_.db, sub[k], now, srv_.shard_count());
            }
            return true;
        };
        if (s != here_ || !work()) co_await run_on(target, work);
        held.push_back(s);
        std::string_view r = sub_bytes;
        if (!r.empty() && r[0] == '-') { // an error from any shard is the reply
            out_.bytes().append(r);
            release(held, tx);
            co_return;
        }
        switch (spec.split) {
        case split_kind::sum: {
            long long n = 0;
            if (r.size() > 3 && r[0] == ':' && parse_integer(r.substr(1, r.size() - 3), n))
                sum += n;
            break;
        }
        case split_kind::values: {
            // "*k\r\n" then one value per key, in the order of positions[s].
            auto header_end = r.find("\r\n");
            r.remove_prefix(header_end == std::string_view::npos ? r.size() : header_end + 2);
            for (std::size_t p : positions[s]) {
                std::size_t len = value_length(r);
                std::size_t slot = (p - static_cast<std::size_t>(spec.first_key)) /
                                   static_cast<std::size_t>(spec.key_step);
                values[slot] = std::string(r.substr(0, len));
                r.remove_prefix(len);
            }
            break;
        }
        case split_kind::concat: {
            auto header_end = r.find("\r\n");
            long long n = 0;
            if (r.size() > 1 && header_end != std::string_view::npos &&
                parse_integer(r.substr(1, header_end - 1), n) && n > 0) {
                concat_count += static_cast<std::size_t>(n);
                concat_bytes.append(r.substr(header_end + 2));
            }
            break;
        }
        case split_kind::first:
            if (r != "$-1\r\n" && r != "_\r\n") {
                out_.bytes().append(r);
                release(held, tx);
                co_return;
            }
            break;
        case split_kind::merge:
            parts.emplace_back(r);
            break;
        case split_kind::ok:
        case split_kind::none:
            break;
        }
    }
    switch (spec.split) {
    case split_kind::sum:
        out_.integer(sum);
        break;
    case split_kind::ok:
        out_.ok();
        break;
    case split_kind::values:
        out_.array(values.size());
        for (auto& v : values) out_.bytes().append(v);
        break;
    case split_kind::concat:
        out_.array(concat_count);
        out_.bytes().append(concat_bytes);
        break;
    case split_kind::first:
        out_.null();
        break;
    case split_kind::merge: {
        command_context ctx{args, client_, srv_, &srv_.shard_at(here_), out_, unix_ms()};
        spec.merge(ctx, parts);
        break;
    }
    case split_kind::none:
        break;
    }
    release(held, tx);
}

corio::task<> session::run_gathered(const parsed_command& c) {
    auto args = args_of(c);
    const command_spec& spec = *c.spec;
    const std::size_t dbs = srv_.cfg().databases();
    std::vector<std::vector<std::string_view>> keys_of(srv_.shard_count());
    for_each_key(spec, args, [&](std::string_view key) {
        auto& keys = keys_of[srv_.shard_of(key)];
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    });
    const std::uint64_t tx = tx_ ? tx_ : srv_.next_operation_id();
    const std::int64_t now = unix_ms();
    // Every database: COPY ... DB n and MOVE reach past the selected one.
    shard scratch(srv_.shard_count(), conn_.owner(), dbs);
    std::vector<std::size_t> held;
    for (std::size_t s = 0; s < keys_of.size(); ++s) {
        if (keys_of[s].empty()) continue;
        shard& sh = srv_.shard_at(s);
        auto take = [&] {
            if (!sh.lock_keys(keys_of[s], tx)) return false;
            for (auto key : keys_of[s]) {
                for (std::size_t d = 0; d < dbs; ++d) {
                    if (db::entry* e = sh.dbs[d].find(key, now)) {
                        db::entry& copy = scratch.dbs[d].put(key, e->val.clone(), now);
                        scratch.dbs[d].set_expiry(key, copy, e->expire_at);
                    }
                }
            }
            return true;
        };
        if (s != here_ || !take()) co_await run_on(sh, take);
        held.push_back(s);
    }
    std::vector<std::pair<std::size_t, std::string>> changed; // (db, key) the command wrote
    scratch.touch_log = &changed;
    command_context ctx{args, client_, srv_, &scratch, out_, now};
    spec.fn(ctx);
    scratch.touch_log = nullptr;
    auto was_changed = [&](std::size_t d, std::string_view key) {
        for (auto& [cd, ck] : changed)
            if (cd == d && ck == key) return true;
        return false;
    };
    // The command's effects go back to each key's shard, which is then released.
    for (std::size_t s : held) {
        shard& sh = srv_.shard_at(s);
        auto put_back = [&] {
            for (auto key : keys_of[s]) {
                for (std::size_t d = 0; d < dbs; ++d) {
                    if (db::entry* e = scratch.dbs[d].find(key, now)) {
                        db::entry& dst = sh.dbs[d].put(key, std::move(e->val), now);
                        sh.dbs[d].set_expiry(key, dst, e->expire_at);
                    } else {
                        sh.dbs[d].erase(key);
                    }
                    if (spec.flags & cmd_write) {
                        if (was_changed(d, key)) sh.touch(d, key);
                        serve_blocked(sh, d, key, now, srv_.shard_count());
                    }
                }
            }
            if (!tx_) sh.release(tx); // inside EXEC, EXEC releases
            return true;
        };
        if (s != here_ || !put_back()) co_await run_on(sh, put_back);
    }
}

} // namespace corio_redis::detail
