// What a shard writes to its append-only log (aof_log.hpp). A command that ran on the shard
// through the session's normal path is logged as sent, followed by the absolute expiry of
// every key it changed that has one (so relative times, EXPIRE 10 or SET EX, replay to the
// same instant). Any other change (a blocked client served, a cross-shard command's part,
// an eviction, SPOP's random choice) is logged as the key's new state: SET, RESTORE or DEL.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio_redis {
struct shard;
}

namespace corio_redis::persist {

/// The keys a command changed, in order (shard::touch_log while it runs).
using changed_keys = std::vector<std::pair<std::size_t, std::string>>;

/// Logs the command `args` (run in database `db`) and the expiries of `changed`; or, for a
/// command whose effect is random (`random_effect`), the changed keys' states. Shard loop.
void log_command(shard& s, std::size_t db, std::span<const std::string_view> args,
                 const changed_keys& changed, bool random_effect);

/// Logs `key`'s state in database `db` of shard s as it is now. Shard loop.
void log_key_state(shard& s, std::size_t db, std::string_view key);

} // namespace corio_redis::persist
