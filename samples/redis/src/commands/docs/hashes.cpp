// COMMAND INFO and COMMAND DOCS data for the hash commands: Redis 7.0.15's facts (arity,
// flags, ACL categories, tips, key specs, arguments), corio's own summaries. See docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr history_entry hset_history[] = {
    {"4.0.0", "Several field/value pairs."},
};

constexpr arg hset_field_value[] = {
    str("field"),
    str("value"),
};

constexpr arg hset_args[] = {
    key("key", 0),
    block("field_value", hset_field_value).multi(),
};

constexpr arg hmset_field_value[] = {
    str("field"),
    str("value"),
};

constexpr arg hmset_args[] = {
    key("key", 0),
    block("field_value", hmset_field_value).multi(),
};

constexpr arg hsetnx_args[] = {
    key("key", 0),
    str("field"),
    str("value"),
};

constexpr arg hget_args[] = {
    key("key", 0),
    str("field"),
};

constexpr arg hmget_args[] = {
    key("key", 0),
    str("field").multi(),
};

constexpr history_entry hdel_history[] = {
    {"2.4.0", "Several fields."},
};

constexpr arg hdel_args[] = {
    key("key", 0),
    str("field").multi(),
};

constexpr arg hexists_args[] = {
    key("key", 0),
    str("field"),
};

constexpr arg hstrlen_args[] = {
    key("key", 0),
    str("field"),
};

constexpr arg hincrby_args[] = {
    key("key", 0),
    str("field"),
    integer("increment"),
};

constexpr arg hincrbyfloat_args[] = {
    key("key", 0),
    str("field"),
    dbl("increment"),
};

constexpr arg hrandfield_options[] = {
    integer("count"),
    pure_token("withvalues", "WITHVALUES").opt(),
};

constexpr arg hrandfield_args[] = {
    key("key", 0),
    block("options", hrandfield_options).opt(),
};

constexpr arg hscan_args[] = {
    key("key", 0),
    integer("cursor"),
    pattern("pattern").tok("MATCH").opt(),
    integer("count").tok("COUNT").opt(),
};

constexpr command_doc table[] = {
    {.name = "hset",
     .arity = -4,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_hash | acl_fast,
     .key_specs = one_key<k_rw | k_update>,
     .summary = "Sets fields of a hash.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(1) per field, O(N) for N fields",
     .history = hset_history,
     .args = hset_args},
    {.name = "hmset",
     .arity = -4,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_hash | acl_fast,
     .key_specs = one_key<k_rw | k_update>,
     .summary = "Sets fields of a hash.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(N), N the fields",
     .doc_flags = d_deprecated,
     .deprecated_since = "4.0.0",
     .replaced_by = "`HSET` with several fields",
     .args = hmset_args},
    {.name = "hsetnx",
     .arity = 4,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_hash | acl_fast,
     .key_specs = one_key<k_rw | k_insert>,
     .summary = "Sets a hash field only if it is absent.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(1)",
     .args = hsetnx_args},
    {.name = "hget",
     .arity = 3,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_hash | acl_fast,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a hash field's value.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(1)",
     .args = hget_args},
    {.name = "hmget",
     .arity = -3,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_hash | acl_fast,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns the values of several hash fields.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(N), N the fields",
     .args = hmget_args},
    {.name = "hdel",
     .arity = -3,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_hash | acl_fast,
     .key_specs = one_key<k_rw | k_delete>,
     .summary = "Removes fields from a hash.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(N), N the fields",
     .history = hdel_history,
     .args = hdel_args},
    {.name = "hexists",
     .arity = 3,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_hash | acl_fast,
     .key_specs = one_key<k_ro>,
     .summary = "Tells whether a hash has a field.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(1)",
     .args = hexists_args},
    {.name = "hlen",
     .arity = 2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_hash | acl_fast,
     .key_specs = one_key<k_ro>,
     .summary = "Counts a hash's fields.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "hstrlen",
     .arity = 3,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_hash | acl_fast,
     .key_specs = one_key<k_ro>,
     .summary = "Returns the length of a hash field's value.",
     .since = "3.2.0",
     .group = "hash",
     .complexity = "O(1)",
     .args = hstrlen_args},
    {.name = "hkeys",
     .arity = 2,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_hash | acl_slow,
     .tips = "nondeterministic_output_order",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a hash's field names.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(N), N the hash's size",
     .args = key_arg},
    {.name = "hvals",
     .arity = 2,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_hash | acl_slow,
     .tips = "nondeterministic_output_order",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a hash's values.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(N), N the hash's size",
     .args = key_arg},
    {.name = "hgetall",
     .arity = 2,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_hash | acl_slow,
     .tips = "nondeterministic_output_order",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a hash's fields and values.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(N), N the hash's size",
     .args = key_arg},
    {.name = "hincrby",
     .arity = 4,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_hash | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_update>,
     .summary = "Adds an integer to a hash field's integer value.",
     .since = "2.0.0",
     .group = "hash",
     .complexity = "O(1)",
     .args = hincrby_args},
    {.name = "hincrbyfloat",
     .arity = 4,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_hash | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_update>,
     .summary = "Adds a floating point number to a hash field's numeric value.",
     .since = "2.6.0",
     .group = "hash",
     .complexity = "O(1)",
     .args = hincrbyfloat_args},
    {.name = "hrandfield",
     .arity = -2,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_hash | acl_slow,
     .tips = "nondeterministic_output",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns random fields of a hash.",
     .since = "6.2.0",
     .group = "hash",
     .complexity = "O(N), N the fields returned",
     .args = hrandfield_args},
    {.name = "hscan",
     .arity = -3,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_hash | acl_slow,
     .tips = "nondeterministic_output",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Walks a hash's fields with a cursor.",
     .since = "2.8.0",
     .group = "hash",
     .complexity = "O(1) per call; O(N) for a whole walk, N the fields",
     .args = hscan_args},
};

} // namespace

list<command_doc> hashes_docs() {
    return table;
}

} // namespace corio_redis::docs
