// A shard: the part of the keyspace one loop owns (its databases), touched only on that loop.
// Keys map to shards by hash; a command runs on its keys' shard, hopping there if needed.
#pragma once

#include "blocking.hpp"
#include "db/database.hpp"
#include "eviction_pool.hpp"
#include "pubsub.hpp"

#include <corio/loop.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace corio_redis {

namespace detail {
class session;
}
struct shard;
namespace persist {
class aof_log;
void log_key_state(shard& s, std::size_t db, std::string_view key);
} // namespace persist

/// The largest value seen lately (over the last 5 to 10 seconds: the shard's ticker rolls
/// it every 5). Written on the shard's loop only, read by INFO from any loop.
struct recent_peak {
    std::atomic<std::size_t> now{0}, before{0};
    void note(std::size_t v) noexcept {
        if (v > now.load(std::memory_order_relaxed)) now.store(v, std::memory_order_relaxed);
    }
    void roll() noexcept {
        before.store(now.load(std::memory_order_relaxed), std::memory_order_relaxed);
        now.store(0, std::memory_order_relaxed);
    }
    std::size_t get() const noexcept {
        return std::max(now.load(std::memory_order_relaxed),
                        before.load(std::memory_order_relaxed));
    }
};

/// Work that found its shard held by a multi-shard operation: run again on release. It owns
/// itself (the unique_ptr it is handed) and either finishes or queues itself again.
struct shard_waiter {
    virtual ~shard_waiter() = default;
    virtual void resume(std::unique_ptr<shard_waiter> self) = 0;
    /// True if what stopped it last time still holds (so running it again would fail):
    /// a release then passes it over without running it.
    virtual bool still_blocked(const struct shard&) const { return false; }
};

/// Set by any write to a key a client WATCHes; EXEC reads it (so it is atomic: the client
/// may live on another loop).
using watch_flag = std::shared_ptr<std::atomic<bool>>;
using watch_map =
    std::unordered_map<std::string, std::vector<watch_flag>, db::string_hash, std::equal_to<>>;

struct shard {
    shard(std::size_t index, corio::loop& loop, std::size_t databases)
        : index(index), loop(loop), dbs(databases), blocked(databases), watchers(databases) {
        for (std::size_t d = 0; d < dbs.size(); ++d) dbs[d].set_index(d);
    }

    std::size_t index;
    corio::loop& loop;
    std::vector<db::database> dbs;

    pubsub_registry pubsub;

    // Clients blocked on list keys, per database, and how many registrations in all.
    std::vector<blocked_map> blocked;
    std::size_t blocked_count = 0;

    // The client sessions running on this loop, in no order (each knows its slot). CLIENT
    // LIST, KILL, UNBLOCK and UNPAUSE visit every shard's loop to reach them; nothing else
    // touches this, so connecting and leaving take no lock.
    std::vector<detail::session*> sessions;
    // client_recent_max_input_buffer / _output_buffer (INFO): the peaks of this loop's
    // clients, rolled by the expiry ticker every `peak_roll_ticks` ticks.
    recent_peak recent_input, recent_output;
    std::uint32_t ticks = 0;
    static constexpr std::uint32_t peak_roll_ticks = 50;

    // WATCHed keys per database, and how many registrations in all (0: writes skip looking).
    std::vector<watch_map> watchers;
    std::size_t watch_count = 0;

    // A private shard (run_gathered's scratch) records the keys its command changed, so that
    // only those count as written for WATCH when the results go back to their shards.
    std::vector<std::pair<std::size_t, std::string>>* touch_log = nullptr;

    // Eviction's candidates (eviction.hpp) and count (INFO evicted_keys, any thread reads).
    eviction_pool evictions;
    std::size_t next_eviction_db = 0; // random policies take databases in turn
    std::atomic<std::uint64_t> evicted_keys{0};

    // Keys changed here since the start (rdb_changes_since_last_save, the save schedule).
    // Written on this shard's loop, read from any.
    std::atomic<std::uint64_t> changes{0};

    // This shard's append-only log (appendonly yes; persist/aof.hpp), else null.
    persist::aof_log* aof = nullptr;

    /// A write to `key` in database `db`: every client watching it will fail its EXEC. Called
    /// once the key has changed; with a log and no command's capture (touch_log) on, the
    /// key's new state is logged (persist/aof_logging.hpp).
    void touch(std::size_t db, std::string_view key) {
        if (aof && !touch_log) persist::log_key_state(*this, db, key);
        mark_written(db, key);
    }
    /// touch() without the append-only log: for a change its caller logs itself (a served
    /// pop logged as LPOP instead of the list's whole state).
    void mark_written(std::size_t db, std::string_view key) {
        changes.store(changes.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        if (touch_log) touch_log->emplace_back(db, std::string(key));
        if (watch_count == 0) return;
        auto it = watchers[db].find(key);
        if (it == watchers[db].end()) return;
        for (auto& f : it->second) f->store(true);
        watch_count -= it->second.size();
        watchers[db].erase(it);
    }
    /// Before database `db` is emptied (FLUSHDB, FLUSHALL): the watched keys that exist in
    /// it are written; watching a key that does not exist survives a flush, as in Redis.
    void touch_existing(std::size_t db, std::int64_t now_ms) {
        if (watch_count == 0) return;
        for (auto it = watchers[db].begin(); it != watchers[db].end();) {
            if (!dbs[db].find(it->first, now_ms)) {
                ++it;
                continue;
            }
            for (auto& f : it->second) f->store(true);
            watch_count -= it->second.size();
            it = watchers[db].erase(it);
        }
    }

    /// Before databases a and b trade contents (SWAPDB): a key watched in either is
    /// written if it exists in either, as Redis marks it; a key in neither survives.
    void touch_swapped(std::size_t a, std::size_t b, std::int64_t now_ms) {
        if (watch_count == 0) return;
        for (std::size_t d : {a, b}) {
            for (auto it = watchers[d].begin(); it != watchers[d].end();) {
                if (!dbs[a].find_untouched(it->first, now_ms) &&
                    !dbs[b].find_untouched(it->first, now_ms)) {
                    ++it;
                    continue;
                }
                for (auto& f : it->second) f->store(true);
                watch_count -= it->second.size();
                it = watchers[d].erase(it);
            }
            if (a == b) break;
        }
    }

    // Multi-shard operations (docs/redis.md) lock the keys they touch here, or the whole
    // shard for keyspace-wide commands; they take shards in ascending index order and
    // release them all at the end (strict two-phase locking): no one sees half of one, and
    // no two wait for each other in a cycle. Work that finds its keys locked waits in
    // `waiters` and runs again on the next release. Key locks ignore the database (a key
    // name locked in one locks it in all): simpler, and only ever over-cautious.
    std::uint64_t owner = 0; // an operation holding the whole shard (0: none)
    std::unordered_map<std::string, std::uint64_t, db::string_hash, std::equal_to<>> key_locks;
    std::deque<std::unique_ptr<shard_waiter>> waiters;

    // What made the last keys_free/all_free fail: the whole shard held (owner), or a key
    // another operation holds (it names that key in key_locks, valid while it is held). A
    // waiter remembers it so that a release that frees something else passes it over: with
    // many operations queued on the same keys, re-running every one at every release cost
    // more than the operations.
    mutable bool conflict_owner = false;
    mutable std::string conflict_key;

    /// May work of operation `tx` (0: a plain command) touching `keys` run now?
    template <class Keys>
    bool keys_free(const Keys& keys, std::uint64_t tx) const {
        if (owner != 0 && owner != tx) return refuse_for_owner();
        if (key_locks.empty()) return true;
        for (std::string_view k : keys) {
            auto it = key_locks.find(k);
            if (it != key_locks.end() && it->second != tx) return refuse_for_key(it->first);
        }
        return true;
    }
    /// May work of `tx` touching the whole keyspace (KEYS, FLUSHALL) run now?
    bool all_free(std::uint64_t tx) const {
        if (owner != 0 && owner != tx) return refuse_for_owner();
        for (const auto& [k, o] : key_locks)
            if (o != tx) return refuse_for_key(k);
        return true;
    }
    bool refuse_for_owner() const {
        conflict_owner = true;
        conflict_key.clear();
        return false;
    }
    bool refuse_for_key(std::string_view key) const {
        conflict_owner = false;
        conflict_key.assign(key);
        return false;
    }
    /// Does the conflict a waiter recorded (owner, key) still hold?
    bool conflict_holds(bool by_owner, std::string_view key) const {
        if (by_owner) return owner != 0;
        return !key.empty() && key_locks.find(key) != key_locks.end();
    }
    /// Locks `keys` for `tx`, all or none; false if one is another operation's.
    template <class Keys>
    bool lock_keys(const Keys& keys, std::uint64_t tx) {
        if (!keys_free(keys, tx)) return false;
        for (std::string_view k : keys) key_locks.emplace(std::string(k), tx);
        return true;
    }
    /// Holds the whole shard for `tx`; false while anyone else holds any of it.
    bool lock_all(std::uint64_t tx) {
        if (!all_free(tx)) return false;
        owner = tx;
        return true;
    }
    /// Releases everything `tx` holds here and runs what waited, in order (shard loop).
    void release(std::uint64_t tx) {
        std::erase_if(key_locks, [tx](const auto& kv) { return kv.second == tx; });
        if (owner == tx) owner = 0;
        auto waiting = std::move(waiters);
        waiters.clear();
        for (auto& w : waiting) {
            if (w->still_blocked(*this)) { // in order: it keeps its place in the queue
                waiters.push_back(std::move(w));
                continue;
            }
            shard_waiter* raw = w.get();
            raw->resume(std::move(w));
        }
    }
};

/// The shard of `key` among `count` shards (any thread).
/// The high half of the hash picks the shard: the key table's buckets use the low bits, and
/// the same bits for both would leave all but 1/count of every shard's buckets empty.
inline std::size_t shard_index(std::string_view key, std::size_t count) noexcept {
    if (count == 1) return 0;
    return static_cast<std::size_t>(
               static_cast<std::uint64_t>(std::hash<std::string_view>{}(key)) >> 32) %
           count;
}

/// Wall-clock milliseconds since the epoch, as Redis keeps expiry times.
std::int64_t unix_ms() noexcept;

} // namespace corio_redis
