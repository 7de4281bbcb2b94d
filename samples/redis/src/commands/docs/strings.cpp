// COMMAND INFO and COMMAND DOCS data for the string commands: Redis 7.0.15's facts (arity,
// flags, ACL categories, tips, key specs, arguments), corio's own summaries. See docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr key_spec set_keys[] = {
    {k_rw | k_access | k_update | k_variable_flags, at(1), range(0, 1, 0),
     "RW and ACCESS because of the optional GET"},
};

constexpr history_entry set_history[] = {
    {"2.6.12", "EX, PX, NX and XX."},
    {"6.0.0", "KEEPTTL."},
    {"6.2.0", "GET, EXAT and PXAT."},
    {"7.0.0", "NX and GET may be combined."},
};

constexpr arg set_condition[] = {
    pure_token("nx", "NX"),
    pure_token("xx", "XX"),
};

constexpr arg set_expiration[] = {
    integer("seconds").tok("EX").since("2.6.12"),
    integer("milliseconds").tok("PX").since("2.6.12"),
    unix_time("unix-time-seconds").tok("EXAT").since("6.2.0"),
    unix_time("unix-time-milliseconds").tok("PXAT").since("6.2.0"),
    pure_token("keepttl", "KEEPTTL").since("6.0.0"),
};

constexpr arg set_args[] = {
    key("key", 0),
    str("value"),
    oneof("condition", set_condition).since("2.6.12").opt(),
    pure_token("get", "GET").since("6.2.0").opt(),
    oneof("expiration", set_expiration).opt(),
};

constexpr arg setnx_args[] = {
    key("key", 0),
    str("value"),
};

constexpr arg setex_args[] = {
    key("key", 0),
    integer("seconds"),
    str("value"),
};

constexpr arg psetex_args[] = {
    key("key", 0),
    integer("milliseconds"),
    str("value"),
};

constexpr arg getset_args[] = {
    key("key", 0),
    str("value"),
};

constexpr key_spec getex_keys[] = {
    {k_rw | k_access | k_update, at(1), range(0, 1, 0), "RW and UPDATE since the TTL may change"},
};

constexpr arg getex_expiration[] = {
    integer("seconds").tok("EX"),
    integer("milliseconds").tok("PX"),
    unix_time("unix-time-seconds").tok("EXAT"),
    unix_time("unix-time-milliseconds").tok("PXAT"),
    pure_token("persist", "PERSIST"),
};

constexpr arg getex_args[] = {
    key("key", 0),
    oneof("expiration", getex_expiration).opt(),
};

constexpr arg mget_args[] = {
    key("key", 0).multi(),
};

constexpr key_spec mset_keys[] = {
    {k_ow | k_update, at(1), range(-1, 2, 0)},
};

constexpr arg mset_key_value[] = {
    key("key", 0),
    str("value"),
};

constexpr arg mset_args[] = {
    block("key_value", mset_key_value).multi(),
};

constexpr key_spec msetnx_keys[] = {
    {k_ow | k_insert, at(1), range(-1, 2, 0)},
};

constexpr arg msetnx_key_value[] = {
    key("key", 0),
    str("value"),
};

constexpr arg msetnx_args[] = {
    block("key_value", msetnx_key_value).multi(),
};

constexpr arg append_args[] = {
    key("key", 0),
    str("value"),
};

constexpr arg incrby_args[] = {
    key("key", 0),
    integer("increment"),
};

constexpr arg decrby_args[] = {
    key("key", 0),
    integer("decrement"),
};

constexpr arg incrbyfloat_args[] = {
    key("key", 0),
    dbl("increment"),
};

constexpr arg getrange_args[] = {
    key("key", 0),
    integer("start"),
    integer("end"),
};

constexpr arg substr_args[] = {
    key("key", 0),
    integer("start"),
    integer("end"),
};

constexpr arg setrange_args[] = {
    key("key", 0),
    integer("offset"),
    str("value"),
};

constexpr key_spec lcs_keys[] = {
    {k_ro | k_access, at(1), range(1, 1, 0)},
};

constexpr arg lcs_args[] = {
    key("key1", 0),
    key("key2", 0),
    pure_token("len", "LEN").opt(),
    pure_token("idx", "IDX").opt(),
    integer("len").tok("MINMATCHLEN").opt(),
    pure_token("withmatchlen", "WITHMATCHLEN").opt(),
};

constexpr command_doc table[] = {
    {.name = "get",
     .arity = 2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_string | acl_fast,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a key's string value.",
     .since = "1.0.0",
     .group = "string",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "set",
     .arity = -3,
     .flags = c_write | c_denyoom,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_slow,
     .key_specs = set_keys,
     .summary = "Stores a string value, with optional expiry and conditions.",
     .since = "1.0.0",
     .group = "string",
     .complexity = "O(1)",
     .history = set_history,
     .args = set_args},
    {.name = "setnx",
     .arity = 3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_fast,
     .key_specs = one_key<k_ow | k_insert>,
     .summary = "Stores a string value only if the key is absent.",
     .since = "1.0.0",
     .group = "string",
     .complexity = "O(1)",
     .args = setnx_args},
    {.name = "setex",
     .arity = 4,
     .flags = c_write | c_denyoom,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_slow,
     .key_specs = one_key<k_ow | k_update>,
     .summary = "Stores a string value with a time to live in seconds.",
     .since = "2.0.0",
     .group = "string",
     .complexity = "O(1)",
     .args = setex_args},
    {.name = "psetex",
     .arity = 4,
     .flags = c_write | c_denyoom,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_slow,
     .key_specs = one_key<k_ow | k_update>,
     .summary = "Stores a string value with a time to live in milliseconds.",
     .since = "2.6.0",
     .group = "string",
     .complexity = "O(1)",
     .args = psetex_args},
    {.name = "getset",
     .arity = 3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_update>,
     .summary = "Stores a string value and returns the old one.",
     .since = "1.0.0",
     .group = "string",
     .complexity = "O(1)",
     .doc_flags = d_deprecated,
     .deprecated_since = "6.2.0",
     .replaced_by = "`SET` with `GET`",
     .args = getset_args},
    {.name = "getdel",
     .arity = 2,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_delete>,
     .summary = "Returns a key's string value and deletes the key.",
     .since = "6.2.0",
     .group = "string",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "getex",
     .arity = -2,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_fast,
     .key_specs = getex_keys,
     .summary = "Returns a key's string value and changes or removes its expiry.",
     .since = "6.2.0",
     .group = "string",
     .complexity = "O(1)",
     .args = getex_args},
    {.name = "mget",
     .arity = -2,
     .flags = c_readonly | c_fast,
     .keys = {1, -1, 1},
     .acl = acl_read | acl_string | acl_fast,
     .tips = "request_policy:multi_shard",
     .key_specs = all_keys<k_ro | k_access>,
     .summary = "Returns the string values of several keys.",
     .since = "1.0.0",
     .group = "string",
     .complexity = "O(N), N the keys",
     .args = mget_args},
    {.name = "mset",
     .arity = -3,
     .flags = c_write | c_denyoom,
     .keys = {1, -1, 2},
     .acl = acl_write | acl_string | acl_slow,
     .tips = "request_policy:multi_shard response_policy:all_succeeded",
     .key_specs = mset_keys,
     .summary = "Stores several string values at once.",
     .since = "1.0.1",
     .group = "string",
     .complexity = "O(N), N the keys",
     .args = mset_args},
    {.name = "msetnx",
     .arity = -3,
     .flags = c_write | c_denyoom,
     .keys = {1, -1, 2},
     .acl = acl_write | acl_string | acl_slow,
     .tips = "request_policy:multi_shard response_policy:agg_min",
     .key_specs = msetnx_keys,
     .summary = "Stores several string values only if none of the keys exists.",
     .since = "1.0.1",
     .group = "string",
     .complexity = "O(N), N the keys",
     .args = msetnx_args},
    {.name = "append",
     .arity = 3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_fast,
     .key_specs = one_key<k_rw | k_insert>,
     .summary = "Appends to a key's string value.",
     .since = "2.0.0",
     .group = "string",
     .complexity =
         "O(1) amortized: the string grows geometrically, so O(1) for a small appended value",
     .args = append_args},
    {.name = "strlen",
     .arity = 2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_string | acl_fast,
     .key_specs = one_key<k_ro>,
     .summary = "Returns the length of a key's string value.",
     .since = "2.2.0",
     .group = "string",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "incr",
     .arity = 2,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_update>,
     .summary = "Adds one to a key's integer value.",
     .since = "1.0.0",
     .group = "string",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "decr",
     .arity = 2,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_update>,
     .summary = "Subtracts one from a key's integer value.",
     .since = "1.0.0",
     .group = "string",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "incrby",
     .arity = 3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_update>,
     .summary = "Adds an integer to a key's integer value.",
     .since = "1.0.0",
     .group = "string",
     .complexity = "O(1)",
     .args = incrby_args},
    {.name = "decrby",
     .arity = 3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_update>,
     .summary = "Subtracts an integer from a key's integer value.",
     .since = "1.0.0",
     .group = "string",
     .complexity = "O(1)",
     .args = decrby_args},
    {.name = "incrbyfloat",
     .arity = 3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_update>,
     .summary = "Adds a floating point number to a key's numeric value.",
     .since = "2.6.0",
     .group = "string",
     .complexity = "O(1)",
     .args = incrbyfloat_args},
    {.name = "getrange",
     .arity = 4,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_string | acl_slow,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a substring of a key's string value.",
     .since = "2.4.0",
     .group = "string",
     .complexity = "O(N), N the length returned; about O(1) for short results",
     .args = getrange_args},
    {.name = "substr",
     .arity = 4,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_string | acl_slow,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a substring of a key's string value.",
     .since = "1.0.0",
     .group = "string",
     .complexity = "O(N), N the length returned; about O(1) for short results",
     .doc_flags = d_deprecated,
     .deprecated_since = "2.0.0",
     .replaced_by = "`GETRANGE`",
     .args = substr_args},
    {.name = "setrange",
     .arity = 4,
     .flags = c_write | c_denyoom,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_string | acl_slow,
     .key_specs = one_key<k_rw | k_update>,
     .summary = "Overwrites part of a key's string value at an offset.",
     .since = "2.2.0",
     .group = "string",
     .complexity = "O(1) plus the copy; usually O(1), else O(M), M the value's length",
     .args = setrange_args},
    {.name = "lcs",
     .arity = -3,
     .flags = c_readonly,
     .keys = {1, 2, 1},
     .acl = acl_read | acl_string | acl_slow,
     .key_specs = lcs_keys,
     .summary = "Finds the longest common subsequence of two string values.",
     .since = "7.0.0",
     .group = "string",
     .complexity = "O(N*M), N and M the two lengths",
     .args = lcs_args},
};

} // namespace

list<command_doc> strings_docs() {
    return table;
}

} // namespace corio_redis::docs
