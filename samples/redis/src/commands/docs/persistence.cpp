// COMMAND INFO and COMMAND DOCS data for the persistence commands (SAVE, BGSAVE, LASTSAVE,
// DUMP, RESTORE): Redis 7.0.15's facts, corio's own summaries. See docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr history_entry bgsave_history[] = {
    {"3.2.2", "The SCHEDULE option."},
};

constexpr arg bgsave_args[] = {
    pure_token("schedule", "SCHEDULE").since("3.2.2").opt(),
};

constexpr history_entry restore_history[] = {
    {"3.0.0", "The REPLACE modifier."},
    {"5.0.0", "The ABSTTL modifier."},
    {"5.0.0", "The IDLETIME and FREQ options."},
};

constexpr arg restore_args[] = {
    key("key", 0),
    integer("ttl"),
    str("serialized-value"),
    pure_token("replace", "REPLACE").since("3.0.0").opt(),
    pure_token("absttl", "ABSTTL").since("5.0.0").opt(),
    integer("seconds").tok("IDLETIME").since("5.0.0").opt(),
    integer("frequency").tok("FREQ").since("5.0.0").opt(),
};

constexpr command_doc table[] = {
    {.name = "save",
     .arity = 1,
     .flags = c_admin | c_noscript | c_no_async_loading | c_no_multi,
     .acl = acl_admin | acl_slow | acl_dangerous,
     .summary = "Writes a snapshot of every database to the RDB file, replying when it is on "
                "disk.",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(N), N the keys in all databases"},
    {.name = "bgsave",
     .arity = -1,
     .flags = c_admin | c_noscript | c_no_async_loading,
     .acl = acl_admin | acl_slow | acl_dangerous,
     .summary = "Starts writing a snapshot of every database to the RDB file in the "
                "background.",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(1)",
     .history = bgsave_history,
     .args = bgsave_args},
    {.name = "bgrewriteaof",
     .arity = 1,
     .flags = c_admin | c_noscript | c_no_async_loading,
     .acl = acl_admin | acl_slow | acl_dangerous,
     .summary = "Starts writing a new append-only base in the background, after which the "
                "incremental files before it go.",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "lastsave",
     .arity = 1,
     .flags = c_loading | c_stale | c_fast,
     .acl = acl_admin | acl_fast | acl_dangerous,
     .tips = "nondeterministic_output",
     .summary = "Returns the Unix time of the last snapshot that was saved.",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "dump",
     .arity = 2,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_read | acl_slow,
     .tips = "nondeterministic_output",
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns a key's value serialized as RESTORE takes it.",
     .since = "2.6.0",
     .group = "generic",
     .complexity = "O(1) to find the key, then O(N*M) to serialize the value, N its elements "
                   "and M their average size: O(1*M) for a string",
     .args = key_arg},
    {.name = "restore",
     .arity = -4,
     .flags = c_write | c_denyoom,
     .keys = {1, 1, 1},
     .acl = acl_keyspace | acl_write | acl_slow | acl_dangerous,
     .key_specs = one_key<k_ow | k_update>,
     .summary = "Makes a key from a value DUMP serialized.",
     .since = "2.6.0",
     .group = "generic",
     .complexity = "O(1) to make the key, then O(N*M) to rebuild the value, N its elements and "
                   "M their average size: O(1*M) for a string, O(N*M*log(N)) for a sorted set "
                   "(each insert O(log(N)))",
     .history = restore_history,
     .args = restore_args},
};

} // namespace

list<command_doc> persistence_docs() {
    return table;
}

} // namespace corio_redis::docs
