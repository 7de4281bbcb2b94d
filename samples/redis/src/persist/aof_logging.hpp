// What a shard writes to its append-only log (aof_log.hpp). A command that ran on the shard
// through the session's normal path is logged as sent, followed by the absolute expiry of
// every key it changed that has one (so relative times, EXPIRE 10 or SET EX, replay to the
// same instant). Any other change (a blocked client served, a cross-shard command's part,
// an eviction, SPOP's random choice) is logged as the key's new state: SET, RESTORE or DEL.
#pragma once

#include <cstddef>
#include <cstdint>
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

/// How a command that ran is logged: as sent (then the expiries of the keys it changed),
/// as the states of the keys it changed (SPOP: its choice is random), or as sent and then
/// the states (SWAPDB: it serves blocked clients, whose pops no replay would repeat).
enum class logged_as : std::uint8_t { sent, key_states, sent_then_states };

/// Logs the command `args` (run in database `db`) that changed `changed`. Shard loop.
void log_command(shard& s, std::size_t db, std::span<const std::string_view> args,
                 const changed_keys& changed, logged_as how);

/// How `name`'s runs are logged.
inline logged_as logging_of(std::string_view name) noexcept {
    if (name == "spop") return logged_as::key_states;
    if (name == "swapdb") return logged_as::sent_then_states;
    return logged_as::sent;
}

/// Logs `key`'s state in database `db` of shard s as it is now. Shard loop.
void log_key_state(shard& s, std::size_t db, std::string_view key);

} // namespace corio_redis::persist
