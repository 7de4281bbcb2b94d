// COMMAND INFO and COMMAND DOCS data for the server commands: Redis 7.0.15's facts (arity,
// flags, ACL categories, tips, key specs, arguments), corio's own summaries. See docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr history_entry info_history[] = {
    {"7.0.0", "Several sections may be asked for at once."},
};

constexpr arg info_args[] = {
    str("section").opt().multi(),
};

constexpr history_entry config_get_history[] = {
    {"7.0.0", "Several patterns in one call."},
};

constexpr arg config_get_parameter[] = {
    str("parameter"),
};

constexpr arg config_get_args[] = {
    block("parameter", config_get_parameter).multi(),
};

constexpr history_entry config_set_history[] = {
    {"7.0.0", "Several parameters in one call."},
};

constexpr arg config_set_parameter_value[] = {
    str("parameter"),
    str("value"),
};

constexpr arg config_set_args[] = {
    block("parameter_value", config_set_parameter_value).multi(),
};

constexpr command_doc config_subcommands[] = {
    {.name = "config|get",
     .arity = -3,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous,
     .summary = "Returns configuration parameters matching patterns.",
     .since = "2.0.0",
     .group = "server",
     .complexity = "O(N), N the parameters given",
     .history = config_get_history,
     .args = config_get_args},
    {.name = "config|resetstat",
     .arity = 2,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous,
     .summary = "Zeroes the server's statistics counters.",
     .since = "2.0.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "config|rewrite",
     .arity = 2,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous,
     .summary = "Saves the current settings into the file the server was started with.",
     .since = "2.8.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "config|set",
     .arity = -4,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous,
     .tips = "request_policy:all_nodes response_policy:all_succeeded",
     .summary = "Changes configuration parameters at run time.",
     .since = "2.0.0",
     .group = "server",
     .complexity = "O(N), N the parameters given",
     .history = config_set_history,
     .args = config_set_args},
};

constexpr arg command_docs_args[] = {
    str("command-name").opt().multi(),
};

constexpr history_entry command_info_history[] = {
    {"7.0.0", "With no command name, every command is described."},
};

constexpr arg command_info_args[] = {
    str("command-name").opt().multi(),
};

constexpr arg command_list_filterby[] = {
    str("module-name").tok("MODULE"),
    str("category").tok("ACLCAT"),
    pattern("pattern").tok("PATTERN"),
};

constexpr arg command_list_args[] = {
    oneof("filterby", command_list_filterby).tok("FILTERBY").opt(),
};

constexpr command_doc command_subcommands[] = {
    {.name = "command|count",
     .arity = 2,
     .flags = c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .summary = "Counts the server's commands.",
     .since = "2.8.13",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "command|docs",
     .arity = -2,
     .flags = c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .tips = "nondeterministic_output_order",
     .summary = "Returns documentation for commands (all when none is named).",
     .since = "7.0.0",
     .group = "server",
     .complexity = "O(N), N the commands asked about",
     .args = command_docs_args},
    {.name = "command|getkeys",
     .arity = -4,
     .flags = c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .summary = "Extracts the key names from a full command line.",
     .since = "2.8.13",
     .group = "server",
     .complexity = "O(N), N the command's arguments"},
    {.name = "command|getkeysandflags",
     .arity = -4,
     .flags = c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .summary = "Extracts the key names and their access flags from a full command line.",
     .since = "7.0.0",
     .group = "server",
     .complexity = "O(N), N the command's arguments"},
    {.name = "command|help",
     .arity = 2,
     .flags = c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .summary = "Lists the COMMAND subcommands.",
     .since = "5.0.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "command|info",
     .arity = -2,
     .flags = c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .tips = "nondeterministic_output_order",
     .summary = "Describes commands (all when none is named).",
     .since = "2.8.13",
     .group = "server",
     .complexity = "O(N), N the commands asked about",
     .history = command_info_history,
     .args = command_info_args},
    {.name = "command|list",
     .arity = -2,
     .flags = c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .tips = "nondeterministic_output_order",
     .summary = "Lists command names, optionally filtered.",
     .since = "7.0.0",
     .group = "server",
     .complexity = "O(N), N the number of commands",
     .args = command_list_args},
};

constexpr history_entry shutdown_history[] = {
    {"7.0.0", "The NOW, FORCE and ABORT modifiers."},
};

constexpr arg shutdown_nosave_save[] = {
    pure_token("nosave", "NOSAVE"),
    pure_token("save", "SAVE"),
};

constexpr arg shutdown_args[] = {
    oneof("nosave_save", shutdown_nosave_save).opt(),
    pure_token("now", "NOW").since("7.0.0").opt(),
    pure_token("force", "FORCE").since("7.0.0").opt(),
    pure_token("abort", "ABORT").since("7.0.0").opt(),
};

constexpr history_entry flushdb_history[] = {
    {"4.0.0", "The ASYNC modifier."},
    {"6.2.0", "The SYNC modifier."},
};

constexpr arg flushdb_async[] = {
    pure_token("async", "ASYNC").since("4.0.0"),
    pure_token("sync", "SYNC").since("6.2.0"),
};

constexpr arg flushdb_args[] = {
    oneof("async", flushdb_async).opt(),
};

constexpr history_entry flushall_history[] = {
    {"4.0.0", "The ASYNC modifier."},
    {"6.2.0", "The SYNC modifier."},
};

constexpr arg flushall_async[] = {
    pure_token("async", "ASYNC").since("4.0.0"),
    pure_token("sync", "SYNC").since("6.2.0"),
};

constexpr arg flushall_args[] = {
    oneof("async", flushall_async).opt(),
};

constexpr arg swapdb_args[] = {
    integer("index1"),
    integer("index2"),
};

constexpr command_doc table[] = {
    {.name = "time",
     .arity = 1,
     .flags = c_loading | c_stale | c_fast,
     .acl = acl_fast,
     .tips = "nondeterministic_output",
     .summary = "Returns the server's clock (seconds and microseconds).",
     .since = "2.6.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "info",
     .arity = -1,
     .flags = c_loading | c_stale,
     .acl = acl_slow | acl_dangerous,
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special",
     .summary = "Reports server state and statistics, by section.",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(1)",
     .history = info_history,
     .args = info_args},
    {.name = "config",
     .arity = -2,
     .flags = 0,
     .acl = acl_slow,
     .summary = "Groups the commands that read and change the configuration.",
     .since = "2.0.0",
     .group = "server",
     .complexity = "Varies with the subcommand.",
     .subcommands = config_subcommands},
    {.name = "command",
     .arity = -1,
     .flags = c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .tips = "nondeterministic_output_order",
     .summary = "Describes every command the server has.",
     .since = "2.8.13",
     .group = "server",
     .complexity = "O(N), N the number of commands",
     .subcommands = command_subcommands},
    {.name = "shutdown",
     .arity = -1,
     .flags = c_admin | c_noscript | c_loading | c_stale | c_no_multi | c_allow_busy,
     .acl = acl_admin | acl_slow | acl_dangerous,
     .summary = "Stops the server.",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(N) when saving (N the keys in all databases), else O(1)",
     .history = shutdown_history,
     .args = shutdown_args},
    {.name = "dbsize",
     .arity = 1,
     .flags = c_readonly | c_fast,
     .acl = acl_keyspace | acl_read | acl_fast,
     .tips = "request_policy:all_shards response_policy:agg_sum",
     .summary = "Returns how many keys the selected database holds.",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "flushdb",
     .arity = -1,
     .flags = c_write,
     .acl = acl_keyspace | acl_write | acl_slow | acl_dangerous,
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .summary = "Deletes every key of the selected database.",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(N), N the keys in the database",
     .history = flushdb_history,
     .args = flushdb_args},
    {.name = "flushall",
     .arity = -1,
     .flags = c_write,
     .acl = acl_keyspace | acl_write | acl_slow | acl_dangerous,
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .summary = "Deletes every key of every database.",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(N), N the keys in all databases",
     .history = flushall_history,
     .args = flushall_args},
    {.name = "swapdb",
     .arity = 3,
     .flags = c_write | c_fast,
     .acl = acl_keyspace | acl_write | acl_fast | acl_dangerous,
     .summary = "Makes two database numbers trade their keys.",
     .since = "4.0.0",
     .group = "server",
     .complexity = "O(N), N the clients watching or blocked on keys of either database",
     .args = swapdb_args},
    {.name = "monitor",
     .arity = 1,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous,
     .summary = "Streams every command the server runs to this connection.",
     .since = "1.0.0",
     .group = "server",
     .complexity = {}}, // Redis gives no complexity
};

} // namespace

list<command_doc> server_docs() {
    return table;
}

} // namespace corio_redis::docs
