// MULTI, EXEC, DISCARD, WATCH and UNWATCH.
#include "session.hpp"

#include <algorithm>

namespace corio_redis::detail {

corio::task<> session::transaction_command(const parsed_command& c) {
    auto args = args_of(c);
    std::string_view name = c.spec->name;
    if (name == "multi") {
        if (multi_.active) {
            out_.error("ERR MULTI calls can not be nested");
            co_return;
        }
        multi_.active = true;
        out_.ok();
    } else if (name == "discard") {
        if (!multi_.active) {
            out_.error("ERR DISCARD without MULTI");
            co_return;
        }
        multi_.active = multi_.abort = false;
        multi_.commands.clear();
        unwatch();
        out_.ok();
    } else if (name == "exec") {
        if (!multi_.active) {
            out_.error("ERR EXEC without MULTI");
            co_return;
        }
        co_await exec();
    } else if (name == "watch") {
        if (multi_.active) {
            out_.error("ERR WATCH inside MULTI is not allowed");
            co_return;
        }
        co_await watch(args.subspan(1));
        out_.ok();
    } else if (name == "unwatch") {
        unwatch();
        out_.ok();
    }
}

corio::task<> session::watch(std::span<const std::string_view> keys) {
    if (!watch_dirty_) watch_dirty_ = std::make_shared<std::atomic<bool>>(false);
    for (auto key : keys) {
        watched_.emplace_back(client_.db, std::string(key));
        shard& sh = srv_.shard_at(srv_.shard_of(key));
        auto add = [&] {
            sh.watchers[client_.db][std::string(key)].push_back(watch_dirty_);
            ++sh.watch_count;
            return true;
        };
        if (sh.index != here_ || !add()) co_await run_on(sh, add);
    }
}

// Forgets every WATCH. The registrations are removed by posts to their shards (nothing
// waits for them: a stale one only sets a flag nobody reads any more).
void session::unwatch() {
    if (!watch_dirty_) return;
    for (auto& [db, key] : watched_) {
        shard& sh = srv_.shard_at(srv_.shard_of(key));
        auto drop = [&sh, db = db, key = std::move(key), flag = watch_dirty_] {
            auto it = sh.watchers[db].find(key);
            if (it == sh.watchers[db].end()) return;
            auto& flags = it->second;
            auto gone = std::remove(flags.begin(), flags.end(), flag);
            sh.watch_count -= static_cast<std::size_t>(flags.end() - gone);
            flags.erase(gone, flags.end());
            if (flags.empty()) sh.watchers[db].erase(it);
        };
        if (sh.index == here_)
            drop();
        else
            sh.loop.post(std::move(drop));
    }
    watched_.clear();
    watch_dirty_.reset();
}

// EXEC: the queued commands run as one operation. Every shard they touch is taken first
// (ascending), WATCH is checked once nothing can change any more, the commands run in
// order (their replies one array), and the shards are released.
corio::task<> session::exec() {
    multi_.active = false;
    auto queued = std::move(multi_.commands);
    multi_.commands.clear();
    if (multi_.abort) {
        multi_.abort = false;
        unwatch();
        out_.error("EXECABORT Transaction discarded because of previous errors.");
        co_return;
    }
    std::size_t total = 0;
    for (auto& q : queued) total += q.size();
    std::vector<std::string_view> views;
    views.reserve(total);
    std::vector<parsed_command> cmds;
    for (auto& q : queued) {
        parsed_command pc;
        pc.first_arg = views.size();
        pc.arg_count = q.size();
        for (auto& a : q) views.push_back(a);
        cmds.push_back(pc);
    }
    // What each shard must give this EXEC: its keys, or all of it (keyspace-wide commands).
    std::vector<std::vector<std::string_view>> keys_on(srv_.shard_count());
    std::vector<bool> needed(srv_.shard_count(), false);
    bool whole = false;
    for (auto& pc : cmds) {
        pc.argv = views.data() + pc.first_arg;
        const command_spec* spec = srv_.lookup(pc.argv[0]);
        if (!spec) continue;
        if (spec->flags & cmd_all_shards)
            whole = true;
        else
            for_each_key(*spec, args_of(pc), [&](std::string_view key) {
                std::size_t s = srv_.shard_of(key);
                needed[s] = true;
                keys_on[s].push_back(key);
            });
    }
    if (whole) needed.assign(needed.size(), true);
    const std::uint64_t tx = srv_.next_operation_id();
    std::vector<std::size_t> held;
    for (std::size_t s = 0; s < needed.size(); ++s) {
        if (!needed[s]) continue;
        shard& sh = srv_.shard_at(s);
        auto take = [&] { return whole ? sh.lock_all(tx) : sh.lock_keys(keys_on[s], tx); };
        if (s != here_ || !take()) co_await run_on(sh, take);
        held.push_back(s);
    }
    if (watch_dirty_ && watch_dirty_->load()) {
        release(held, tx);
        unwatch();
        out_.null_array();
        co_return;
    }
    out_.array(cmds.size());
    tx_ = tx;
    co_await run_commands(cmds);
    tx_ = 0;
    release(held, tx);
    unwatch();
}

} // namespace corio_redis::detail
