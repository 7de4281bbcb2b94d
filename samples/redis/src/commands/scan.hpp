// SCAN over a sharded keyspace: the cursor names a shard and a table cursor in it
// (table cursor * shards + shard), so one cursor walks every shard in turn. The session runs
// SCAN itself (it must hop to the cursor's shard); the per-database walk is here.
#pragma once

#include "../db/database.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis {

/// Appends to `out` the keys of up to about `count` elements' worth of buckets of `d`,
/// starting at table cursor `from` (db::keyspace::scan: Redis's reverse-binary bucket order,
/// which keeps SCAN's guarantee across resizes), that match `pattern` (empty: all) and
/// `type`; returns the next table cursor, or 0 when the walk is done. Shard loop only.
std::size_t scan_database(db::database& d, std::size_t from, std::size_t count,
                          std::string_view pattern, std::optional<db::value_type> type,
                          std::int64_t now_ms, std::vector<std::string>& out);

} // namespace corio_redis
