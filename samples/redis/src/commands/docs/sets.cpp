// COMMAND INFO and COMMAND DOCS data for the set commands: Redis 7.0.15's facts (arity,
// flags, ACL categories, tips, key specs, arguments), corio's own summaries. See docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr history_entry sadd_history[] = {
    {"2.4.0", "Several members."},
};

constexpr arg sadd_args[] = {
    key("key", 0),
    str("member").multi(),
};

constexpr history_entry srem_history[] = {
    {"2.4.0", "Several members."},
};

constexpr arg srem_args[] = {
    key("key", 0),
    str("member").multi(),
};

constexpr arg sismember_args[] = {
    key("key", 0),
    str("member"),
};

constexpr arg smismember_args[] = {
    key("key", 0),
    str("member").multi(),
};

constexpr history_entry spop_history[] = {
    {"3.2.0", "The count argument."},
};

constexpr arg spop_args[] = {
    key("key", 0),
    integer("count").since("3.2.0").opt(),
};

constexpr history_entry srandmember_history[] = {
    {"2.6.0", "The count argument."},
};

constexpr arg srandmember_args[] = {
    key("key", 0),
    integer("count").since("2.6.0").opt(),
};

constexpr arg sinter_args[] = {
    key("key", 0).multi(),
};

constexpr key_spec sintercard_keys[] = {
    {k_ro | k_access, at(1), keynum(0, 1, 1)},
};

constexpr arg sintercard_args[] = {
    integer("numkeys"),
    key("key", 0).multi(),
    integer("limit").tok("LIMIT").opt(),
};

constexpr key_spec sinterstore_keys[] = {
    {k_rw | k_update, at(1), range(0, 1, 0)},
    {k_ro | k_access, at(2), range(-1, 1, 0)},
};

constexpr arg sinterstore_args[] = {
    key("destination", 0),
    key("key", 1).multi(),
};

constexpr arg sunion_args[] = {
    key("key", 0).multi(),
};

constexpr key_spec sunionstore_keys[] = {
    {k_ow | k_update, at(1), range(0, 1, 0)},
    {k_ro | k_access, at(2), range(-1, 1, 0)},
};

constexpr arg sunionstore_args[] = {
    key("destination", 0),
    key("key", 1).multi(),
};

constexpr arg sdiff_args[] = {
    key("key", 0).multi(),
};

constexpr key_spec sdiffstore_keys[] = {
    {k_ow | k_update, at(1), range(0, 1, 0)},
    {k_ro | k_access, at(2), range(-1, 1, 0)},
};

constexpr arg sdiffstore_args[] = {
    key("destination", 0),
    key("key", 1).multi(),
};

constexpr key_spec smove_keys[] = {
    {k_rw | k_access | k_delete, at(1), range(0, 1, 0)},
    {k_rw | k_insert, at(2), range(0, 1, 0)},
};

constexpr arg smove_args[] = {
    key("source", 0),
    key("destination", 1),
    str("member"),
};

constexpr arg sscan_args[] = {
    key("key", 0),
    integer("cursor"),
    pattern("pattern").tok("MATCH").opt(),
    integer("count").tok("COUNT").opt(),
};

constexpr command_doc table[] = {
    {.name = "sadd",
     .arity = -3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_set | acl_fast,
     .key_specs = one_key<k_rw | k_insert>,
     .summary = "Puts members into a set (those not already in it).",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(1) per member, O(N) for N members",
     .history = sadd_history,
     .args = sadd_args},
    {.name = "srem",
     .arity = -3,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_set | acl_fast,
     .key_specs = one_key<k_rw | k_delete>,
     .summary = "Takes members out of a set.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(N), N the members removed",
     .history = srem_history,
     .args = srem_args},
    {.name = "smembers",
     .arity = 2,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_set | acl_slow,
     .tips = "nondeterministic_output_order",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns every member of a set.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(N), N the set's size",
     .args = key_arg},
    {.name = "sismember",
     .arity = 3,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_set | acl_fast,
     .key_specs = one_key<k_ro>,
     .summary = "Checks a set for one value.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(1)",
     .args = sismember_args},
    {.name = "smismember",
     .arity = -3,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_set | acl_fast,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Tells, for each value, whether it is a member of a set.",
     .since = "6.2.0",
     .group = "set",
     .complexity = "O(N), N the values checked",
     .args = smismember_args},
    {.name = "scard",
     .arity = 2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_set | acl_fast,
     .key_specs = one_key<k_ro>,
     .summary = "Counts a set's members.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "spop",
     .arity = -2,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_set | acl_fast,
     .tips = "nondeterministic_output",
     .key_specs = one_key<k_rw | k_access | k_delete>,
     .summary = "Takes random members out of a set and returns them.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(1), or O(N) with a count N",
     .history = spop_history,
     .args = spop_args},
    {.name = "srandmember",
     .arity = -2,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_set | acl_slow,
     .tips = "nondeterministic_output",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns random members of a set.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(1), or O(N) with a count of absolute value N",
     .history = srandmember_history,
     .args = srandmember_args},
    {.name = "sinter",
     .arity = -2,
     .flags = c_readonly,
     .keys = {1, -1, 1},
     .acl = acl_read | acl_set | acl_slow,
     .tips = "nondeterministic_output_order",
     .key_specs = all_keys<k_ro | k_access>,
     .summary = "Returns the intersection of sets.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(N*M) at worst, N the smallest set's size, M the sets",
     .args = sinter_args},
    {.name = "sintercard",
     .arity = -3,
     .flags = c_readonly | c_movablekeys,
     .acl = acl_read | acl_set | acl_slow,
     .key_specs = sintercard_keys,
     .summary = "Counts the intersection of sets, up to an optional limit.",
     .since = "7.0.0",
     .group = "set",
     .complexity = "O(N*M) at worst, N the smallest set's size, M the sets",
     .args = sintercard_args},
    {.name = "sinterstore",
     .arity = -3,
     .flags = c_write | c_denyoom,
     .keys = {1, -1, 1},
     .acl = acl_write | acl_set | acl_slow,
     .key_specs = sinterstore_keys,
     .summary = "Stores the intersection of sets in a key.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(N*M) at worst, N the smallest set's size, M the sets",
     .args = sinterstore_args},
    {.name = "sunion",
     .arity = -2,
     .flags = c_readonly,
     .keys = {1, -1, 1},
     .acl = acl_read | acl_set | acl_slow,
     .tips = "nondeterministic_output_order",
     .key_specs = all_keys<k_ro | k_access>,
     .summary = "Returns the union of sets.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(N), N the members of all the sets",
     .args = sunion_args},
    {.name = "sunionstore",
     .arity = -3,
     .flags = c_write | c_denyoom,
     .keys = {1, -1, 1},
     .acl = acl_write | acl_set | acl_slow,
     .key_specs = sunionstore_keys,
     .summary = "Stores the union of sets in a key.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(N), N the members of all the sets",
     .args = sunionstore_args},
    {.name = "sdiff",
     .arity = -2,
     .flags = c_readonly,
     .keys = {1, -1, 1},
     .acl = acl_read | acl_set | acl_slow,
     .tips = "nondeterministic_output_order",
     .key_specs = all_keys<k_ro | k_access>,
     .summary = "Returns the members of the first set that are in none of the others.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(N), N the members of all the sets",
     .args = sdiff_args},
    {.name = "sdiffstore",
     .arity = -3,
     .flags = c_write | c_denyoom,
     .keys = {1, -1, 1},
     .acl = acl_write | acl_set | acl_slow,
     .key_specs = sdiffstore_keys,
     .summary = "Stores the difference of sets in a key.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(N), N the members of all the sets",
     .args = sdiffstore_args},
    {.name = "smove",
     .arity = 4,
     .flags = c_write | c_fast,
     .keys = {1, 2, 1},
     .acl = acl_write | acl_set | acl_fast,
     .key_specs = smove_keys,
     .summary = "Transfers a member from one set into another.",
     .since = "1.0.0",
     .group = "set",
     .complexity = "O(1)",
     .args = smove_args},
    {.name = "sscan",
     .arity = -3,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_set | acl_slow,
     .tips = "nondeterministic_output",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Walks a set's members with a cursor.",
     .since = "2.8.0",
     .group = "set",
     .complexity = "O(1) per call; O(N) for a whole walk, N the members",
     .args = sscan_args},
};

} // namespace

list<command_doc> sets_docs() {
    return table;
}

} // namespace corio_redis::docs
