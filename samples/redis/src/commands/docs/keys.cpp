// COMMAND INFO and COMMAND DOCS data for the generic key commands: Redis 7.0.15's facts (arity,
// flags, ACL categories, tips, key specs, arguments), corio's own summaries. See docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr arg del_args[] = {
    key("key", 0).multi(),
};

constexpr arg unlink_args[] = {
    key("key", 0).multi(),
};

constexpr history_entry exists_history[] = {
    {"3.0.3", "Several keys."},
};

constexpr arg exists_args[] = {
    key("key", 0).multi(),
};

constexpr arg touch_args[] = {
    key("key", 0).multi(),
};

constexpr history_entry expire_history[] = {
    {"7.0.0", "NX, XX, GT and LT."},
};

constexpr arg expire_condition[] = {
    pure_token("nx", "NX"),
    pure_token("xx", "XX"),
    pure_token("gt", "GT"),
    pure_token("lt", "LT"),
};

constexpr arg expire_args[] = {
    key("key", 0),
    integer("seconds"),
    oneof("condition", expire_condition).since("7.0.0").opt(),
};

constexpr history_entry pexpire_history[] = {
    {"7.0.0", "NX, XX, GT and LT."},
};

constexpr arg pexpire_condition[] = {
    pure_token("nx", "NX"),
    pure_token("xx", "XX"),
    pure_token("gt", "GT"),
    pure_token("lt", "LT"),
};

constexpr arg pexpire_args[] = {
    key("key", 0),
    integer("milliseconds"),
    oneof("condition", pexpire_condition).since("7.0.0").opt(),
};

constexpr history_entry expireat_history[] = {
    {"7.0.0", "NX, XX, GT and LT."},
};

constexpr arg expireat_condition[] = {
    pure_token("nx", "NX"),
    pure_token("xx", "XX"),
    pure_token("gt", "GT"),
    pure_token("lt", "LT"),
};

constexpr arg expireat_args[] = {
    key("key", 0),
    unix_time("unix-time-seconds"),
    oneof("condition", expireat_condition).since("7.0.0").opt(),
};

constexpr history_entry pexpireat_history[] = {
    {"7.0.0", "NX, XX, GT and LT."},
};

constexpr arg pexpireat_condition[] = {
    pure_token("nx", "NX"),
    pure_token("xx", "XX"),
    pure_token("gt", "GT"),
    pure_token("lt", "LT"),
};

constexpr arg pexpireat_args[] = {
    key("key", 0),
    unix_time("unix-time-milliseconds"),
    oneof("condition", pexpireat_condition).since("7.0.0").opt(),
};

constexpr history_entry ttl_history[] = {
    {"2.8.0", "Replies -2 for a missing key."},
};

constexpr history_entry pttl_history[] = {
    {"2.8.0", "Replies -2 for a missing key."},
};

constexpr key_spec rename_keys[] = {
    {k_rw | k_access | k_delete, at(1), range(0, 1, 0)},
    {k_ow | k_update, at(2), range(0, 1, 0)},
};

constexpr arg rename_args[] = {
    key("key", 0),
    key("newkey", 1),
};

constexpr key_spec renamenx_keys[] = {
    {k_rw | k_access | k_delete, at(1), range(0, 1, 0)},
    {k_ow | k_insert, at(2), range(0, 1, 0)},
};

constexpr history_entry renamenx_history[] = {
    {"3.2.0", "Same source and destination is no longer an error."},
};

constexpr arg renamenx_args[] = {
    key("key", 0),
    key("newkey", 1),
};

constexpr key_spec copy_keys[] = {
    {k_ro | k_access, at(1), range(0, 1, 0)},
    {k_ow | k_update, at(2), range(0, 1, 0)},
};

constexpr arg copy_args[] = {
    key("source", 0),
    key("destination", 1),
    integer("destination-db").tok("DB").opt(),
    pure_token("replace", "REPLACE").opt(),
};

constexpr arg move_args[] = {
    key("key", 0),
    integer("db"),
};

constexpr arg keys_args[] = {
    pattern("pattern"),
};

constexpr history_entry scan_history[] = {
    {"6.0.0", "The TYPE option."},
};

constexpr arg scan_args[] = {
    integer("cursor"),
    pattern("pattern").tok("MATCH").opt(),
    integer("count").tok("COUNT").opt(),
    str("type").tok("TYPE").since("6.0.0").opt(),
};

constexpr command_doc table[] = {
    {.name = "del",
     .arity = -2,
     .flags = c_write,
     .keys = {1, -1, 1},
     .acl = acl_keyspace | acl_write | acl_slow,
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_specs = all_keys<k_rm | k_delete>,
     .summary = "Removes keys and their values.",
     .since = "1.0.0",
     .group = "generic",
     .complexity = "O(N), N the keys; a collection costs O(M), M its elements, a string O(1)",
     .args = del_args},
    {.name = "unlink",
     .arity = -2,
     .flags = c_write | c_fast,
     .keys = {1, -1, 1},
     .acl = acl_keyspace | acl_write | acl_fast,
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_specs = all_keys<k_rm | k_delete>,
     .summary = "Deletes keys, reclaiming their memory in the background.",
     .since = "4.0.0",
     .group = "generic",
     .complexity = "O(1) per key here; then O(N) in the background, N the allocations freed",
     .args = unlink_args},
    {.name = "exists",
     .arity = -2,
     .flags = c_readonly | c_fast,
     .keys = {1, -1, 1},
     .acl = acl_keyspace | acl_read | acl_fast,
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_specs = all_keys<k_ro>,
     .summary = "Counts how many of the keys exist.",
     .since = "1.0.0",
     .group = "generic",
     .complexity = "O(N), N the keys",
     .history = exists_history,
     .args = exists_args},
    {.name = "touch",
     .arity = -2,
     .flags = c_readonly | c_fast,
     .keys = {1, -1, 1},
     .acl = acl_keyspace | acl_read | acl_fast,
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_specs = all_keys<k_ro>,
     .summary = "Updates keys' last access time; counts those that exist.",
     .since = "3.2.1",
     .group = "generic",
     .complexity = "O(N), N the keys",
     .args = touch_args},
    {.name = "type",
     .arity = 2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_read | acl_fast,
     .key_specs = one_key<k_ro>,
     .summary = "Returns the type of a key's value.",
     .since = "1.0.0",
     .group = "generic",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "expire",
     .arity = -3,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_write | acl_fast,
     .key_specs = one_key<k_rw | k_update>,
     .summary = "Gives a key a time to live, in seconds.",
     .since = "1.0.0",
     .group = "generic",
     .complexity = "O(1)",
     .history = expire_history,
     .args = expire_args},
    {.name = "pexpire",
     .arity = -3,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_write | acl_fast,
     .key_specs = one_key<k_rw | k_update>,
     .summary = "Gives a key a time to live, in milliseconds.",
     .since = "2.6.0",
     .group = "generic",
     .complexity = "O(1)",
     .history = pexpire_history,
     .args = pexpire_args},
    {.name = "expireat",
     .arity = -3,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_write | acl_fast,
     .key_specs = one_key<k_rw | k_update>,
     .summary = "Sets a key's expiry as a unix time in seconds.",
     .since = "1.2.0",
     .group = "generic",
     .complexity = "O(1)",
     .history = expireat_history,
     .args = expireat_args},
    {.name = "pexpireat",
     .arity = -3,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_write | acl_fast,
     .key_specs = one_key<k_rw | k_update>,
     .summary = "Sets a key's expiry as a unix time in milliseconds.",
     .since = "2.6.0",
     .group = "generic",
     .complexity = "O(1)",
     .history = pexpireat_history,
     .args = pexpireat_args},
    {.name = "ttl",
     .arity = 2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_read | acl_fast,
     .tips = "nondeterministic_output",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a key's remaining time to live in seconds.",
     .since = "1.0.0",
     .group = "generic",
     .complexity = "O(1)",
     .history = ttl_history,
     .args = key_arg},
    {.name = "pttl",
     .arity = 2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_read | acl_fast,
     .tips = "nondeterministic_output",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a key's remaining time to live in milliseconds.",
     .since = "2.6.0",
     .group = "generic",
     .complexity = "O(1)",
     .history = pttl_history,
     .args = key_arg},
    {.name = "expiretime",
     .arity = 2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_read | acl_fast,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a key's expiry as a unix time in seconds.",
     .since = "7.0.0",
     .group = "generic",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "pexpiretime",
     .arity = 2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_read | acl_fast,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a key's expiry as a unix time in milliseconds.",
     .since = "7.0.0",
     .group = "generic",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "persist",
     .arity = 2,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_write | acl_fast,
     .key_specs = one_key<k_rw | k_update>,
     .summary = "Removes a key's expiry.",
     .since = "2.2.0",
     .group = "generic",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "rename",
     .arity = 3,
     .flags = c_write,
     .keys = {1, 2, 1},
     .acl = acl_keyspace | acl_write | acl_slow,
     .key_specs = rename_keys,
     .summary = "Gives a key a new name, replacing any key of that name.",
     .since = "1.0.0",
     .group = "generic",
     .complexity = "O(1)",
     .args = rename_args},
    {.name = "renamenx",
     .arity = 3,
     .flags = c_write | c_fast,
     .keys = {1, 2, 1},
     .acl = acl_keyspace | acl_write | acl_fast,
     .key_specs = renamenx_keys,
     .summary = "Gives a key a new name only if that name is free.",
     .since = "1.0.0",
     .group = "generic",
     .complexity = "O(1)",
     .history = renamenx_history,
     .args = renamenx_args},
    {.name = "copy",
     .arity = -3,
     .flags = c_write | c_denyoom,
     .keys = {1, 2, 1},
     .acl = acl_keyspace | acl_write | acl_slow,
     .key_specs = copy_keys,
     .summary = "Copies a key's value to another key.",
     .since = "6.2.0",
     .group = "generic",
     .complexity = "O(N) for a collection, N its items; O(1) for a string",
     .args = copy_args},
    {.name = "move",
     .arity = 3,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_write | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_update>,
     .summary = "Transfers a key into another numbered database.",
     .since = "1.0.0",
     .group = "generic",
     .complexity = "O(1)",
     .args = move_args},
    {.name = "keys",
     .arity = 2,
     .flags = c_readonly,
     .acl = acl_keyspace | acl_read | acl_slow | acl_dangerous,
     .tips = "request_policy:all_shards nondeterministic_output_order",
     .summary = "Returns the key names matching a pattern.",
     .since = "1.0.0",
     .group = "generic",
     .complexity = "O(N), N the keys in the database (short names assumed)",
     .args = keys_args},
    {.name = "scan",
     .arity = -2,
     .flags = c_readonly,
     .acl = acl_keyspace | acl_read | acl_slow,
     .tips = "nondeterministic_output request_policy:special",
     .summary = "Walks the key names with a cursor.",
     .since = "2.8.0",
     .group = "generic",
     .complexity = "O(1) per call; O(N) for a whole walk, N the keys",
     .history = scan_history,
     .args = scan_args},
    {.name = "randomkey",
     .arity = 1,
     .flags = c_readonly,
     .acl = acl_keyspace | acl_read | acl_slow,
     .tips = "request_policy:all_shards nondeterministic_output",
     .summary = "Returns a random key name.",
     .since = "1.0.0",
     .group = "generic",
     .complexity = "O(1)"},
};

} // namespace

list<command_doc> keys_docs() {
    return table;
}

} // namespace corio_redis::docs
