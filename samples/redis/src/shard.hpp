// A shard: the part of the keyspace one loop owns (its databases), touched only on that loop.
// Keys map to shards by hash; a command runs on its keys' shard, hopping there if needed.
#pragma once

#include "db/database.hpp"

#include <corio/loop.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace corio_redis {

struct shard {
    shard(std::size_t index, corio::loop& loop, std::size_t databases)
        : index(index), loop(loop), dbs(databases) {}

    std::size_t index;
    corio::loop& loop;
    std::vector<db::database> dbs;
    std::uint64_t expired_keys = 0; // stats: keys removed by active expiry
};

/// The shard of `key` among `count` shards (any thread).
inline std::size_t shard_index(std::string_view key, std::size_t count) noexcept {
    if (count == 1) return 0;
    return std::hash<std::string_view>{}(key) % count;
}

/// Wall-clock milliseconds since the epoch, as Redis keeps expiry times.
std::int64_t unix_ms() noexcept;

} // namespace corio_redis
