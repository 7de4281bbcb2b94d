// COMMAND INFO and COMMAND DOCS data for the connection and transaction commands: Redis 7.0.15's
// facts (arity, flags, ACL categories, tips, key specs, arguments), corio's own summaries. See
// docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr arg ping_args[] = {
    str("message").opt(),
};

constexpr arg echo_args[] = {
    str("message"),
};

constexpr arg select_args[] = {
    integer("index"),
};

constexpr history_entry auth_history[] = {
    {"6.0.0", "A username may be given (ACL users)."},
};

constexpr arg auth_args[] = {
    str("username").since("6.0.0").opt(),
    str("password"),
};

constexpr history_entry hello_history[] = {
    {"6.2.0",
     "The protocol version became optional; with no arguments it describes the connection."},
};

constexpr arg hello_username_password[] = {
    str("username"),
    str("password"),
};

constexpr arg hello_arguments[] = {
    integer("protover"),
    block("username_password", hello_username_password).tok("AUTH").opt(),
    str("clientname").tok("SETNAME").opt(),
};

constexpr arg hello_args[] = {
    block("arguments", hello_arguments).opt(),
};

constexpr history_entry client_kill_history[] = {
    {"2.8.12", "Filters given as name/value pairs."},
    {"2.8.12", "The ID filter."},
    {"3.2.0", "TYPE accepts master."},
    {"5.0.0", "TYPE says replica for slave (slave is still accepted)."},
    {"6.2.0", "The LADDR filter."},
};

constexpr arg client_kill_normal_master_slave_pubsub[] = {
    pure_token("normal", "NORMAL"), pure_token("master", "MASTER").since("3.2.0"),
    pure_token("slave", "SLAVE"),   pure_token("replica", "REPLICA").since("5.0.0"),
    pure_token("pubsub", "PUBSUB"),
};

constexpr arg client_kill_new_format[] = {
    integer("client-id").tok("ID").since("2.8.12").opt(),
    oneof("normal_master_slave_pubsub", client_kill_normal_master_slave_pubsub)
        .tok("TYPE")
        .since("2.8.12")
        .opt(),
    str("username").tok("USER").opt(),
    str("ip:port").tok("ADDR").opt(),
    str("ip:port").tok("LADDR").since("6.2.0").opt(),
    str("yes/no").tok("SKIPME").opt(),
};

constexpr arg client_kill_filter[] = {
    str("ip:port").deprecated("2.8.12"),
    oneof("new-format", client_kill_new_format).multi(),
};

constexpr arg client_kill_args[] = {
    oneof("filter", client_kill_filter),
};

constexpr history_entry client_list_history[] = {
    {"2.8.12", "The id field."},
    {"5.0.0", "The TYPE filter."},
    {"6.0.0", "The user field."},
    {"6.2.0", "The argv-mem, tot-mem, laddr and redir fields, and the ID filter."},
    {"7.0.0", "The resp, multi-mem, rbs and rbp fields."},
    {"7.0.3", "The ssub field."},
};

constexpr arg client_list_normal_master_replica_pubsub[] = {
    pure_token("normal", "NORMAL"),
    pure_token("master", "MASTER"),
    pure_token("replica", "REPLICA"),
    pure_token("pubsub", "PUBSUB"),
};

constexpr arg client_list_id[] = {
    integer("client-id").multi(),
};

constexpr arg client_list_args[] = {
    oneof("normal_master_replica_pubsub", client_list_normal_master_replica_pubsub)
        .tok("TYPE")
        .since("5.0.0")
        .opt(),
    block("id", client_list_id).tok("ID").since("6.2.0").opt(),
};

constexpr arg client_no_evict_enabled[] = {
    pure_token("on", "ON"),
    pure_token("off", "OFF"),
};

constexpr arg client_no_evict_args[] = {
    oneof("enabled", client_no_evict_enabled),
};

constexpr history_entry client_pause_history[] = {
    {"6.2.0", "The WRITE mode and the mode argument."},
};

constexpr arg client_pause_mode[] = {
    pure_token("write", "WRITE"),
    pure_token("all", "ALL"),
};

constexpr arg client_pause_args[] = {
    integer("timeout"),
    oneof("mode", client_pause_mode).since("6.2.0").opt(),
};

constexpr arg client_reply_on_off_skip[] = {
    pure_token("on", "ON"),
    pure_token("off", "OFF"),
    pure_token("skip", "SKIP"),
};

constexpr arg client_reply_args[] = {
    oneof("on_off_skip", client_reply_on_off_skip),
};

constexpr arg client_setinfo_attr[] = {
    str("libname").tok("lib-name"),
    str("libver").tok("lib-ver"),
};

constexpr arg client_setinfo_args[] = {
    oneof("attr", client_setinfo_attr),
};

constexpr arg client_setname_args[] = {
    str("connection-name"),
};

constexpr arg client_unblock_timeout_error[] = {
    pure_token("timeout", "TIMEOUT"),
    pure_token("error", "ERROR"),
};

constexpr arg client_unblock_args[] = {
    integer("client-id"),
    oneof("timeout_error", client_unblock_timeout_error).opt(),
};

constexpr command_doc client_subcommands[] = {
    {.name = "client|getname",
     .arity = 2,
     .flags = c_noscript | c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .summary = "Returns the connection's name, if one was set.",
     .since = "2.6.9",
     .group = "connection",
     .complexity = "O(1)"},
    {.name = "client|help",
     .arity = 2,
     .flags = c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .summary = "Lists the CLIENT subcommands.",
     .since = "5.0.0",
     .group = "connection",
     .complexity = "O(1)"},
    {.name = "client|id",
     .arity = 2,
     .flags = c_noscript | c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .summary = "Returns the connection's unique id.",
     .since = "5.0.0",
     .group = "connection",
     .complexity = "O(1)"},
    {.name = "client|info",
     .arity = 2,
     .flags = c_noscript | c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .tips = "nondeterministic_output",
     .summary = "Describes this connection in CLIENT LIST's format.",
     .since = "6.2.0",
     .group = "connection",
     .complexity = "O(1)"},
    {.name = "client|kill",
     .arity = -3,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous | acl_connection,
     .summary = "Closes the client connections that match the filters.",
     .since = "2.4.0",
     .group = "connection",
     .complexity = "O(N) in the number of connections",
     .history = client_kill_history,
     .args = client_kill_args},
    {.name = "client|list",
     .arity = -2,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous | acl_connection,
     .tips = "nondeterministic_output",
     .summary = "Lists the client connections and their properties.",
     .since = "2.4.0",
     .group = "connection",
     .complexity = "O(N) in the number of connections",
     .history = client_list_history,
     .args = client_list_args},
    {.name = "client|no-evict",
     .arity = 3,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous | acl_connection,
     .summary = "Exempts this connection from client eviction, or not.",
     .since = "7.0.0",
     .group = "connection",
     .complexity = "O(1)",
     .args = client_no_evict_args},
    {.name = "client|pause",
     .arity = -3,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous | acl_connection,
     .summary = "Holds clients' commands (all, or writes only) for a while.",
     .since = "2.9.50",
     .group = "connection",
     .complexity = "O(1)",
     .history = client_pause_history,
     .args = client_pause_args},
    {.name = "client|reply",
     .arity = 3,
     .flags = c_noscript | c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .summary = "Turns this connection's replies on, off, or off for the next command.",
     .since = "3.2.0",
     .group = "connection",
     .complexity = "O(1)",
     .args = client_reply_args},
    // Redis 7.2's facts: 7.0 has no CLIENT SETINFO.
    {.name = "client|setinfo",
     .arity = 4,
     .flags = c_noscript | c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .tips = "request_policy:all_nodes response_policy:all_succeeded",
     .summary = "Records the client library's name or version for this connection.",
     .since = "7.2.0",
     .group = "connection",
     .complexity = "O(1)",
     .args = client_setinfo_args},
    {.name = "client|setname",
     .arity = 3,
     .flags = c_noscript | c_loading | c_stale,
     .acl = acl_slow | acl_connection,
     .summary = "Gives the connection a name.",
     .since = "2.6.9",
     .group = "connection",
     .complexity = "O(1)",
     .args = client_setname_args},
    {.name = "client|unblock",
     .arity = -3,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous | acl_connection,
     .summary = "Wakes a client blocked in a blocking command.",
     .since = "5.0.0",
     .group = "connection",
     .complexity = "O(log N) in the number of connections",
     .args = client_unblock_args},
    {.name = "client|unpause",
     .arity = 2,
     .flags = c_admin | c_noscript | c_loading | c_stale,
     .acl = acl_admin | acl_slow | acl_dangerous | acl_connection,
     .summary = "Ends a CLIENT PAUSE now.",
     .since = "6.2.0",
     .group = "connection",
     .complexity = "O(N) in the clients paused"},
};

constexpr arg watch_args[] = {
    key("key", 0).multi(),
};

constexpr command_doc table[] = {
    {.name = "ping",
     .arity = -1,
     .flags = c_fast,
     .acl = acl_fast | acl_connection,
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .summary = "Checks that the server answers; echoes a message if given.",
     .since = "1.0.0",
     .group = "connection",
     .complexity = "O(1)",
     .args = ping_args},
    {.name = "echo",
     .arity = 2,
     .flags = c_loading | c_stale | c_fast,
     .acl = acl_fast | acl_connection,
     .summary = "Replies with the message it is sent.",
     .since = "1.0.0",
     .group = "connection",
     .complexity = "O(1)",
     .args = echo_args},
    {.name = "quit",
     .arity = -1,
     .flags = c_noscript | c_loading | c_stale | c_fast | c_no_auth | c_allow_busy,
     .acl = acl_fast | acl_connection,
     .summary = "Closes the connection once pending replies are sent.",
     .since = "1.0.0",
     .group = "connection",
     .complexity = "O(1)"},
    {.name = "select",
     .arity = 2,
     .flags = c_loading | c_stale | c_fast,
     .acl = acl_fast | acl_connection,
     .summary = "Switches the connection to another numbered database.",
     .since = "1.0.0",
     .group = "connection",
     .complexity = "O(1)",
     .args = select_args},
    {.name = "auth",
     .arity = -2,
     .flags = c_noscript | c_loading | c_stale | c_fast | c_no_auth | c_allow_busy,
     .acl = acl_fast | acl_connection,
     .summary = "Authenticates the connection.",
     .since = "1.0.0",
     .group = "connection",
     .complexity = "O(N), N the number of passwords the user has",
     .history = auth_history,
     .args = auth_args},
    {.name = "hello",
     .arity = -1,
     .flags = c_noscript | c_loading | c_stale | c_fast | c_no_auth | c_allow_busy,
     .acl = acl_fast | acl_connection,
     .summary = "Negotiates the protocol version and shows the connection's properties.",
     .since = "6.0.0",
     .group = "connection",
     .complexity = "O(1)",
     .history = hello_history,
     .args = hello_args},
    {.name = "reset",
     .arity = 1,
     .flags = c_noscript | c_loading | c_stale | c_fast | c_no_auth | c_allow_busy,
     .acl = acl_fast | acl_connection,
     .summary = "Returns the connection to its initial state.",
     .since = "6.2.0",
     .group = "connection",
     .complexity = "O(1)"},
    {.name = "client",
     .arity = -2,
     .flags = 0,
     .acl = acl_slow,
     .summary = "Groups the commands that inspect and manage client connections.",
     .since = "2.4.0",
     .group = "connection",
     .complexity = "Varies with the subcommand.",
     .subcommands = client_subcommands},
    {.name = "multi",
     .arity = 1,
     .flags = c_noscript | c_loading | c_stale | c_fast | c_allow_busy,
     .acl = acl_fast | acl_transaction,
     .summary = "Starts a transaction: later commands are queued.",
     .since = "1.2.0",
     .group = "transactions",
     .complexity = "O(1)"},
    {.name = "exec",
     .arity = 1,
     .flags = c_noscript | c_loading | c_stale | c_skip_slowlog,
     .acl = acl_slow | acl_transaction,
     .summary = "Runs the queued commands of a transaction.",
     .since = "1.2.0",
     .group = "transactions",
     .complexity = "That of the queued commands."},
    {.name = "discard",
     .arity = 1,
     .flags = c_noscript | c_loading | c_stale | c_fast | c_allow_busy,
     .acl = acl_fast | acl_transaction,
     .summary = "Drops the queued commands of a transaction.",
     .since = "2.0.0",
     .group = "transactions",
     .complexity = "O(N) in the commands queued"},
    {.name = "watch",
     .arity = -2,
     .flags = c_noscript | c_loading | c_stale | c_fast | c_allow_busy,
     .keys = {1, -1, 1},
     .acl = acl_fast | acl_transaction,
     .key_specs = all_keys<k_ro>,
     .summary = "Makes the next EXEC fail if any of these keys changes first.",
     .since = "2.2.0",
     .group = "transactions",
     .complexity = "O(1) per key.",
     .args = watch_args},
    {.name = "unwatch",
     .arity = 1,
     .flags = c_noscript | c_loading | c_stale | c_fast | c_allow_busy,
     .acl = acl_fast | acl_transaction,
     .summary = "Drops every key this connection WATCHes.",
     .since = "2.2.0",
     .group = "transactions",
     .complexity = "O(1)"},
};

} // namespace

list<command_doc> connection_docs() {
    return table;
}

} // namespace corio_redis::docs
