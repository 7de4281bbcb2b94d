// A shard: the part of the keyspace one loop owns (its databases), touched only on that loop.
// Keys map to shards by hash; a command runs on its keys' shard, hopping there if needed.
#pragma once

#include "db/database.hpp"

#include <corio/loop.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>
#include <vector>

namespace corio_redis {

/// Work that found its shard held by a multi-shard operation: run again on release. It owns
/// itself (the unique_ptr it is handed) and either finishes or queues itself again.
struct shard_waiter {
    virtual ~shard_waiter() = default;
    virtual void resume(std::unique_ptr<shard_waiter> self) = 0;
};

struct shard {
    shard(std::size_t index, corio::loop& loop, std::size_t databases)
        : index(index), loop(loop), dbs(databases) {}

    std::size_t index;
    corio::loop& loop;
    std::vector<db::database> dbs;
    std::uint64_t expired_keys = 0; // stats: keys removed by active expiry

    // The multi-shard operation holding this shard (0: none). Operations take the shards
    // they touch in ascending index order and release them all at the end (strict two-phase
    // locking, docs/redis.md): no one sees half of one, and no two wait in a cycle.
    std::uint64_t owner = 0;
    std::deque<std::unique_ptr<shard_waiter>> waiters;

    /// True if work of operation `tx` (0: a plain command) may run here now.
    bool open_to(std::uint64_t tx) const noexcept { return owner == 0 || owner == tx; }
    /// Releases the shard and runs what waited for it, in order (on this shard's loop).
    void release() {
        owner = 0;
        auto waiting = std::move(waiters);
        waiters.clear();
        for (auto& w : waiting) {
            shard_waiter* raw = w.get();
            raw->resume(std::move(w));
        }
    }
};

/// The shard of `key` among `count` shards (any thread).
inline std::size_t shard_index(std::string_view key, std::size_t count) noexcept {
    if (count == 1) return 0;
    return std::hash<std::string_view>{}(key) % count;
}

/// Wall-clock milliseconds since the epoch, as Redis keeps expiry times.
std::int64_t unix_ms() noexcept;

} // namespace corio_redis
