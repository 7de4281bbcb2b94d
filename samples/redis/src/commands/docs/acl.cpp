// COMMAND INFO and COMMAND DOCS data for ACL and its subcommands: Redis 7.0.15's facts (arity,
// flags, ACL categories, arguments), corio's own summaries. See docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr std::uint32_t admin_flags = c_admin | c_noscript | c_loading | c_stale;
constexpr std::uint32_t admin_acl = acl_admin | acl_slow | acl_dangerous;

constexpr arg acl_cat_args[] = {
    str("categoryname").opt(),
};

constexpr arg acl_deluser_args[] = {
    str("username").multi(),
};

constexpr arg acl_dryrun_args[] = {
    str("username"),
    str("command"),
    str("arg").opt().multi(),
};

constexpr arg acl_genpass_args[] = {
    integer("bits").opt(),
};

constexpr history_entry acl_getuser_history[] = {
    {"6.2.0", "Channel patterns."},
    {"7.0.0", "Selectors; key and channel patterns as rules rather than lists."},
};

constexpr arg acl_getuser_args[] = {
    str("username"),
};

constexpr arg acl_log_operation[] = {
    integer("count"),
    pure_token("reset", "RESET"),
};

constexpr arg acl_log_args[] = {
    oneof("operation", acl_log_operation).opt(),
};

constexpr history_entry acl_setuser_history[] = {
    {"6.2.0", "Channel patterns."},
    {"7.0.0", "Selectors and read/write key permissions."},
};

constexpr arg acl_setuser_args[] = {
    str("username"),
    str("rule").opt().multi(),
};

constexpr command_doc acl_subcommands[] = {
    {.name = "acl|cat",
     .arity = -2,
     .flags = c_noscript | c_loading | c_stale,
     .acl = acl_slow,
     .summary = "Lists the ACL categories, or the commands of one.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(1)",
     .args = acl_cat_args},
    {.name = "acl|deluser",
     .arity = -3,
     .flags = admin_flags,
     .acl = admin_acl,
     .summary = "Deletes users, closing their connections.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(1) amortized per user",
     .args = acl_deluser_args},
    {.name = "acl|dryrun",
     .arity = -4,
     .flags = admin_flags,
     .acl = admin_acl,
     .summary = "Says whether a user could run a command, without running it.",
     .since = "7.0.0",
     .group = "server",
     .complexity = "O(1)",
     .args = acl_dryrun_args},
    {.name = "acl|genpass",
     .arity = -2,
     .flags = c_noscript | c_loading | c_stale,
     .acl = acl_slow,
     .summary = "Makes a random password (256 bits unless asked otherwise).",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(1)",
     .args = acl_genpass_args},
    {.name = "acl|getuser",
     .arity = 3,
     .flags = admin_flags,
     .acl = admin_acl,
     .summary = "Describes one user's flags, passwords and rules.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(N), N the user's passwords, commands and patterns",
     .history = acl_getuser_history,
     .args = acl_getuser_args},
    {.name = "acl|help",
     .arity = 2,
     .flags = c_loading | c_stale,
     .acl = acl_slow,
     .summary = "Lists the ACL subcommands.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "acl|list",
     .arity = 2,
     .flags = admin_flags,
     .acl = admin_acl,
     .summary = "Lists every user's rules as ACL files write them.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(N), N the users"},
    {.name = "acl|load",
     .arity = 2,
     .flags = admin_flags,
     .acl = admin_acl,
     .summary = "Replaces every user with those of the aclfile.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(N), N the users"},
    {.name = "acl|log",
     .arity = -2,
     .flags = admin_flags,
     .acl = admin_acl,
     .summary = "Shows (or clears) the latest refusals and failed authentications.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(N), N the entries shown",
     .args = acl_log_args},
    {.name = "acl|save",
     .arity = 2,
     .flags = admin_flags,
     .acl = admin_acl,
     .summary = "Writes every user to the aclfile.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(N), N the users"},
    {.name = "acl|setuser",
     .arity = -3,
     .flags = admin_flags,
     .acl = admin_acl,
     .summary = "Creates a user or changes its rules.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(N), N the rules given",
     .history = acl_setuser_history,
     .args = acl_setuser_args},
    {.name = "acl|users",
     .arity = 2,
     .flags = admin_flags,
     .acl = admin_acl,
     .summary = "Lists the users' names.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(N), N the users"},
    {.name = "acl|whoami",
     .arity = 2,
     .flags = c_noscript | c_loading | c_stale,
     .acl = acl_slow,
     .summary = "Names the user this connection is authenticated as.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "O(1)"},
};

constexpr command_doc table[] = {
    {.name = "acl",
     .arity = -2,
     .flags = 0,
     .acl = acl_slow,
     .summary = "Groups the commands that manage users and their permissions.",
     .since = "6.0.0",
     .group = "server",
     .complexity = "Varies with the subcommand.",
     .subcommands = acl_subcommands},
};

} // namespace

list<command_doc> acl_docs() {
    return table;
}

} // namespace corio_redis::docs
