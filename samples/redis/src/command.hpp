// The command table's shape: what a command is (name, arity, flags, where its keys are) and
// what its implementation is handed (the arguments, the client, the shard it runs on, the
// reply). One file per command family under commands/ fills the table.
#pragma once

#include "ascii.hpp"
#include "client_state.hpp"
#include "notify.hpp"
#include "resp/reply.hpp"
#include "shard.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace corio_redis {

class server;

/// Redis's string2ll (strict decimal); false if `s` is not one.
bool parse_integer(std::string_view s, long long& out) noexcept;
/// Redis's strtold-based check for INCRBYFLOAT and friends.
bool parse_long_double(std::string_view s, long double& out) noexcept;

enum command_flag : std::uint32_t {
    cmd_write = 1u << 0,
    cmd_readonly = 1u << 1,
    cmd_fast = 1u << 2,
    cmd_admin = 1u << 3,
    cmd_pubsub = 1u << 4,
    cmd_noauth = 1u << 5,      // allowed before AUTH (AUTH, HELLO, QUIT, RESET)
    cmd_connection = 1u << 6,  // runs on the client's own loop: it changes the client's state
    cmd_keyless = 1u << 7,     // no keys, no client state: runs where the client is
    cmd_all_shards = 1u << 8,  // touches every shard (DBSIZE, FLUSHALL, KEYS)
    cmd_transaction = 1u << 9, // MULTI, EXEC, DISCARD, WATCH, UNWATCH: the session runs them
    cmd_blocking = 1u << 10,   // BLPOP and friends: the session runs them (blocking.hpp)
    cmd_container = 1u << 11,  // has subcommands: CLIENT LIST shows "client|list", INFO counts each
    cmd_subcommands = cmd_container,
    cmd_no_multi = 1u << 12, // refused inside MULTI (SAVE), as Redis's no-multi flag
    cmd_denyoom = 1u << 13,  // refused over maxmemory (set from COMMAND's facts: eviction.hpp)
};

struct command_context {
    std::span<const std::string_view> args; // args[0] is the command name as sent
    client_state& client;
    server& srv;
    shard* home; // the shard this runs on (null for connection commands)
    resp::reply& out;
    std::int64_t now_ms;

    db::database& db() { return home->dbs[client.db]; }
};

using command_fn = void (*)(command_context&);

// How a command whose keys live on several shards is run: each shard runs it on its own keys
// and the replies are merged. none: such a command is refused until cross-shard
// transactions land (see docs/redis.md).
enum class split_kind : std::uint8_t {
    none,
    sum,    // integer replies added up (DEL, EXISTS, UNLINK, TOUCH)
    ok,     // +OK from every shard (MSET)
    values, // one value per key, back in the order of the keys (MGET)
    concat, // every shard's array, one after the other (KEYS: cmd_all_shards)
    first,  // the first shard's reply that is not null (RANDOMKEY)
    merge,  // command_spec::merge combines the shards' replies (SLOWLOG: cmd_all_shards)
};

struct command_context;
/// split_kind::merge: writes the reply to c.out from every shard's (in shard order; none of
/// them is an error). c runs on the client's loop.
using merge_fn = void (*)(command_context& c, std::span<const std::string> parts);

struct command_spec {
    std::string_view name; // lower case
    int arity;             // Redis's: n exact, -n at least n (the name counts)
    std::uint32_t flags;
    int first_key, last_key, key_step; // 0 = no keys; last_key -1 = the last argument
    command_fn fn;
    split_kind split = split_kind::none;
    int numkeys_at = 0; // > 0: the keys follow a count at this position (see for_each_key)
    merge_fn merge = nullptr;
    // For commands whose subcommands differ (DEBUG OBJECT key, DEBUG SLEEP n): false when
    // these arguments name no keys, so the command runs on the client's loop.
    bool (*has_keys)(std::span<const std::string_view> args) = nullptr;
    std::uint16_t stat_id = 0;         // INFO commandstats' slot (set by server)
    std::uint32_t acl_id = UINT32_MAX; // its entry in acl::known_commands() (set by server)
};

/// Calls f(index) for each key argument of `args` per spec: first..last by step, or for
/// commands that count their keys (numkeys_at > 0: LMPOP, SINTERCARD) the numkeys
/// arguments after the count (a count that is not a valid number gives no keys: the
/// command itself then replies the error).
template <class F>
void for_each_key_index(const command_spec& spec, std::span<const std::string_view> args, F&& f) {
    if (spec.has_keys && !spec.has_keys(args)) return;
    if (spec.numkeys_at > 0) {
        std::size_t at = static_cast<std::size_t>(spec.numkeys_at);
        long long n = 0;
        if (at >= args.size() || !parse_integer(args[at], n) || n <= 0) return;
        for (std::size_t i = at + 1; i < args.size() && i <= at + static_cast<std::size_t>(n); ++i)
            f(i);
        return;
    }
    if (spec.first_key <= 0) return;
    int last = spec.last_key < 0 ? static_cast<int>(args.size()) + spec.last_key : spec.last_key;
    for (int i = spec.first_key; i <= last && i < static_cast<int>(args.size()); i += spec.key_step)
        f(static_cast<std::size_t>(i));
}

template <class F>
void for_each_key(const command_spec& spec, std::span<const std::string_view> args, F&& f) {
    for_each_key_index(spec, args, [&](std::size_t i) { f(args[i]); });
}

/// Says that the command changed `key` (in the client's database, or in `db`), as Redis's
/// signalModifiedKey and notifyKeyspaceEvent do: clients WATCHing it will fail their EXEC,
/// and the keyspace event (notify.hpp) goes out if notify-keyspace-events asks for it.
/// Called exactly where a command changes a key, so a command that changes nothing leaves
/// WATCH alone.
void key_changed(command_context& c, std::uint32_t cls, std::string_view event,
                 std::string_view key);
void key_changed(command_context& c, std::size_t db, std::uint32_t cls, std::string_view event,
                 std::string_view key);

// Replies every family shares, with Redis's texts.
void reply_wrong_type(resp::reply& out);
void reply_not_integer(resp::reply& out);
void reply_syntax_error(resp::reply& out);
void reply_wrong_arity(resp::reply& out, std::string_view name);

} // namespace corio_redis
