// COMMAND INFO and COMMAND DOCS data for the list commands: Redis 7.0.15's facts (arity,
// flags, ACL categories, tips, key specs, arguments), corio's own summaries. See docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr history_entry lpush_history[] = {
    {"2.4.0", "Several elements."},
};

constexpr arg lpush_args[] = {
    key("key", 0),
    str("element").multi(),
};

constexpr history_entry rpush_history[] = {
    {"2.4.0", "Several elements."},
};

constexpr arg rpush_args[] = {
    key("key", 0),
    str("element").multi(),
};

constexpr history_entry lpushx_history[] = {
    {"4.0.0", "Several elements."},
};

constexpr arg lpushx_args[] = {
    key("key", 0),
    str("element").multi(),
};

constexpr history_entry rpushx_history[] = {
    {"4.0.0", "Several elements."},
};

constexpr arg rpushx_args[] = {
    key("key", 0),
    str("element").multi(),
};

constexpr history_entry lpop_history[] = {
    {"6.2.0", "The count argument."},
};

constexpr arg lpop_args[] = {
    key("key", 0),
    integer("count").since("6.2.0").opt(),
};

constexpr history_entry rpop_history[] = {
    {"6.2.0", "The count argument."},
};

constexpr arg rpop_args[] = {
    key("key", 0),
    integer("count").since("6.2.0").opt(),
};

constexpr arg lrange_args[] = {
    key("key", 0),
    integer("start"),
    integer("stop"),
};

constexpr arg lindex_args[] = {
    key("key", 0),
    integer("index"),
};

constexpr arg lset_args[] = {
    key("key", 0),
    integer("index"),
    str("element"),
};

constexpr arg lrem_args[] = {
    key("key", 0),
    integer("count"),
    str("element"),
};

constexpr arg ltrim_args[] = {
    key("key", 0),
    integer("start"),
    integer("stop"),
};

constexpr arg linsert_where[] = {
    pure_token("before", "BEFORE"),
    pure_token("after", "AFTER"),
};

constexpr arg linsert_args[] = {
    key("key", 0),
    oneof("where", linsert_where),
    str("pivot"),
    str("element"),
};

constexpr arg lpos_args[] = {
    key("key", 0),
    str("element"),
    integer("rank").tok("RANK").opt(),
    integer("num-matches").tok("COUNT").opt(),
    integer("len").tok("MAXLEN").opt(),
};

constexpr key_spec lmove_keys[] = {
    {k_rw | k_access | k_delete, at(1), range(0, 1, 0)},
    {k_rw | k_insert, at(2), range(0, 1, 0)},
};

constexpr arg lmove_wherefrom[] = {
    pure_token("left", "LEFT"),
    pure_token("right", "RIGHT"),
};

constexpr arg lmove_whereto[] = {
    pure_token("left", "LEFT"),
    pure_token("right", "RIGHT"),
};

constexpr arg lmove_args[] = {
    key("source", 0),
    key("destination", 1),
    oneof("wherefrom", lmove_wherefrom),
    oneof("whereto", lmove_whereto),
};

constexpr key_spec rpoplpush_keys[] = {
    {k_rw | k_access | k_delete, at(1), range(0, 1, 0)},
    {k_rw | k_insert, at(2), range(0, 1, 0)},
};

constexpr arg rpoplpush_args[] = {
    key("source", 0),
    key("destination", 1),
};

constexpr key_spec lmpop_keys[] = {
    {k_rw | k_access | k_delete, at(1), keynum(0, 1, 1)},
};

constexpr arg lmpop_where[] = {
    pure_token("left", "LEFT"),
    pure_token("right", "RIGHT"),
};

constexpr arg lmpop_args[] = {
    integer("numkeys"),
    key("key", 0).multi(),
    oneof("where", lmpop_where),
    integer("count").tok("COUNT").opt(),
};

constexpr key_spec blpop_keys[] = {
    {k_rw | k_access | k_delete, at(1), range(-2, 1, 0)},
};

constexpr history_entry blpop_history[] = {
    {"6.0.0", "The timeout is a double."},
};

constexpr arg blpop_args[] = {
    key("key", 0).multi(),
    dbl("timeout"),
};

constexpr key_spec brpop_keys[] = {
    {k_rw | k_access | k_delete, at(1), range(-2, 1, 0)},
};

constexpr history_entry brpop_history[] = {
    {"6.0.0", "The timeout is a double."},
};

constexpr arg brpop_args[] = {
    key("key", 0).multi(),
    dbl("timeout"),
};

constexpr key_spec brpoplpush_keys[] = {
    {k_rw | k_access | k_delete, at(1), range(0, 1, 0)},
    {k_rw | k_insert, at(2), range(0, 1, 0)},
};

constexpr history_entry brpoplpush_history[] = {
    {"6.0.0", "The timeout is a double."},
};

constexpr arg brpoplpush_args[] = {
    key("source", 0),
    key("destination", 1),
    dbl("timeout"),
};

constexpr key_spec blmove_keys[] = {
    {k_rw | k_access | k_delete, at(1), range(0, 1, 0)},
    {k_rw | k_insert, at(2), range(0, 1, 0)},
};

constexpr arg blmove_wherefrom[] = {
    pure_token("left", "LEFT"),
    pure_token("right", "RIGHT"),
};

constexpr arg blmove_whereto[] = {
    pure_token("left", "LEFT"),
    pure_token("right", "RIGHT"),
};

constexpr arg blmove_args[] = {
    key("source", 0),
    key("destination", 1),
    oneof("wherefrom", blmove_wherefrom),
    oneof("whereto", blmove_whereto),
    dbl("timeout"),
};

constexpr key_spec blmpop_keys[] = {
    {k_rw | k_access | k_delete, at(2), keynum(0, 1, 1)},
};

constexpr arg blmpop_where[] = {
    pure_token("left", "LEFT"),
    pure_token("right", "RIGHT"),
};

constexpr arg blmpop_args[] = {
    dbl("timeout"),
    integer("numkeys"),
    key("key", 0).multi(),
    oneof("where", blmpop_where),
    integer("count").tok("COUNT").opt(),
};

constexpr command_doc table[] = {
    {.name = "lpush",
     .arity = -3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_list | acl_fast,
     .key_specs = one_key<k_rw | k_insert>,
     .summary = "Inserts elements at the head of a list.",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(1) per element, O(N) for N elements",
     .history = lpush_history,
     .args = lpush_args},
    {.name = "rpush",
     .arity = -3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_list | acl_fast,
     .key_specs = one_key<k_rw | k_insert>,
     .summary = "Inserts elements at the tail of a list.",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(1) per element, O(N) for N elements",
     .history = rpush_history,
     .args = rpush_args},
    {.name = "lpushx",
     .arity = -3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_list | acl_fast,
     .key_specs = one_key<k_rw | k_insert>,
     .summary = "Inserts elements at the head of a list that exists.",
     .since = "2.2.0",
     .group = "list",
     .complexity = "O(1) per element, O(N) for N elements",
     .history = lpushx_history,
     .args = lpushx_args},
    {.name = "rpushx",
     .arity = -3,
     .flags = c_write | c_denyoom | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_list | acl_fast,
     .key_specs = one_key<k_rw | k_insert>,
     .summary = "Inserts elements at the tail of a list that exists.",
     .since = "2.2.0",
     .group = "list",
     .complexity = "O(1) per element, O(N) for N elements",
     .history = rpushx_history,
     .args = rpushx_args},
    {.name = "lpop",
     .arity = -2,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_list | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_delete>,
     .summary = "Removes and returns elements from the head of a list.",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N), N the elements returned",
     .history = lpop_history,
     .args = lpop_args},
    {.name = "rpop",
     .arity = -2,
     .flags = c_write | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_list | acl_fast,
     .key_specs = one_key<k_rw | k_access | k_delete>,
     .summary = "Removes and returns elements from the tail of a list.",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N), N the elements returned",
     .history = rpop_history,
     .args = rpop_args},
    {.name = "llen",
     .arity = 2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_list | acl_fast,
     .key_specs = one_key<k_ro>,
     .summary = "Returns a list's length.",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(1)",
     .args = key_arg},
    {.name = "lrange",
     .arity = 4,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_list | acl_slow,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a range of a list's elements.",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(S+N): S the distance from the nearer end to start, N the elements returned",
     .args = lrange_args},
    {.name = "lindex",
     .arity = 3,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_list | acl_slow,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns the element at an index of a list.",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N), N the elements walked; O(1) at either end",
     .args = lindex_args},
    {.name = "lset",
     .arity = 4,
     .flags = c_write | c_denyoom,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_list | acl_slow,
     .key_specs = one_key<k_rw | k_update>,
     .summary = "Replaces the element at an index of a list.",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N), N the list's length; O(1) at either end",
     .args = lset_args},
    {.name = "lrem",
     .arity = 4,
     .flags = c_write,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_list | acl_slow,
     .key_specs = one_key<k_rw | k_delete>,
     .summary = "Deletes list elements equal to a value.",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N+M): N the list's length, M the elements removed",
     .args = lrem_args},
    {.name = "ltrim",
     .arity = 4,
     .flags = c_write,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_list | acl_slow,
     .key_specs = one_key<k_rw | k_delete>,
     .summary = "Keeps only a range of a list's elements.",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N), N the elements removed",
     .args = ltrim_args},
    {.name = "linsert",
     .arity = 5,
     .flags = c_write | c_denyoom,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_list | acl_slow,
     .key_specs = one_key<k_rw | k_insert>,
     .summary = "Puts an element next to a pivot element of a list, before or after it.",
     .since = "2.2.0",
     .group = "list",
     .complexity = "O(N), N the elements walked to the pivot; O(1) near the head",
     .args = linsert_args},
    {.name = "lpos",
     .arity = -3,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_list | acl_slow,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns where elements equal to a value sit in a list.",
     .since = "6.0.6",
     .group = "list",
     .complexity = "O(N), N the list's length; shorter near the ends or with MAXLEN",
     .args = lpos_args},
    {.name = "lmove",
     .arity = 5,
     .flags = c_write | c_denyoom,
     .keys = {1, 2, 1},
     .acl = acl_write | acl_list | acl_slow,
     .key_specs = lmove_keys,
     .summary = "Pops an element from one list and pushes it onto another.",
     .since = "6.2.0",
     .group = "list",
     .complexity = "O(1)",
     .args = lmove_args},
    {.name = "rpoplpush",
     .arity = 3,
     .flags = c_write | c_denyoom,
     .keys = {1, 2, 1},
     .acl = acl_write | acl_list | acl_slow,
     .key_specs = rpoplpush_keys,
     .summary = "Pops from a list's tail and pushes onto another list's head.",
     .since = "1.2.0",
     .group = "list",
     .complexity = "O(1)",
     .doc_flags = d_deprecated,
     .deprecated_since = "6.2.0",
     .replaced_by = "`LMOVE` `RIGHT` `LEFT`",
     .args = rpoplpush_args},
    {.name = "lmpop",
     .arity = -4,
     .flags = c_write | c_movablekeys,
     .acl = acl_write | acl_list | acl_slow,
     .key_specs = lmpop_keys,
     .summary = "Pops elements from the first non-empty list of several.",
     .since = "7.0.0",
     .group = "list",
     .complexity = "O(N+M): N the keys, M the elements returned",
     .args = lmpop_args},
    {.name = "blpop",
     .arity = -3,
     .flags = c_write | c_noscript | c_blocking,
     .keys = {1, -2, 1},
     .acl = acl_write | acl_list | acl_slow | acl_blocking,
     .key_specs = blpop_keys,
     .summary = "Pops from the head of the first non-empty list, waiting for one if need be.",
     .since = "2.0.0",
     .group = "list",
     .complexity = "O(N), N the keys",
     .history = blpop_history,
     .args = blpop_args},
    {.name = "brpop",
     .arity = -3,
     .flags = c_write | c_noscript | c_blocking,
     .keys = {1, -2, 1},
     .acl = acl_write | acl_list | acl_slow | acl_blocking,
     .key_specs = brpop_keys,
     .summary = "Pops from the tail of the first non-empty list, waiting for one if need be.",
     .since = "2.0.0",
     .group = "list",
     .complexity = "O(N), N the keys",
     .history = brpop_history,
     .args = brpop_args},
    {.name = "brpoplpush",
     .arity = 4,
     .flags = c_write | c_denyoom | c_noscript | c_blocking,
     .keys = {1, 2, 1},
     .acl = acl_write | acl_list | acl_slow | acl_blocking,
     .key_specs = brpoplpush_keys,
     .summary = "Moves a list's tail to another list's head, waiting for an element if need be.",
     .since = "2.2.0",
     .group = "list",
     .complexity = "O(1)",
     .doc_flags = d_deprecated,
     .deprecated_since = "6.2.0",
     .replaced_by = "`BLMOVE` `RIGHT` `LEFT`",
     .history = brpoplpush_history,
     .args = brpoplpush_args},
    {.name = "blmove",
     .arity = 6,
     .flags = c_write | c_denyoom | c_noscript | c_blocking,
     .keys = {1, 2, 1},
     .acl = acl_write | acl_list | acl_slow | acl_blocking,
     .key_specs = blmove_keys,
     .summary = "Moves an element from one list to another, waiting for one if need be.",
     .since = "6.2.0",
     .group = "list",
     .complexity = "O(1)",
     .args = blmove_args},
    {.name = "blmpop",
     .arity = -5,
     .flags = c_write | c_blocking | c_movablekeys,
     .acl = acl_write | acl_list | acl_slow | acl_blocking,
     .key_specs = blmpop_keys,
     .summary = "Pops elements from the first non-empty list of several, waiting if need be.",
     .since = "7.0.0",
     .group = "list",
     .complexity = "O(N+M): N the keys, M the elements returned",
     .args = blmpop_args},
};

} // namespace

list<command_doc> lists_docs() {
    return table;
}

} // namespace corio_redis::docs
