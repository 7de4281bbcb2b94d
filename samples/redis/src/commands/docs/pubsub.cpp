// COMMAND INFO and COMMAND DOCS data for the pub/sub commands: Redis 7.0.15's facts (arity,
// flags, ACL categories, tips, key specs, arguments), corio's own summaries. See docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr arg subscribe_args[] = {
    str("channel").multi(),
};

constexpr arg unsubscribe_args[] = {
    str("channel").opt().multi(),
};

constexpr arg psubscribe_pattern[] = {
    pattern("pattern"),
};

constexpr arg psubscribe_args[] = {
    block("pattern", psubscribe_pattern).multi(),
};

constexpr arg punsubscribe_args[] = {
    pattern("pattern").opt().multi(),
};

constexpr arg publish_args[] = {
    str("channel"),
    str("message"),
};

constexpr arg pubsub_channels_args[] = {
    pattern("pattern").opt(),
};

constexpr arg pubsub_numsub_args[] = {
    str("channel").opt().multi(),
};

constexpr command_doc pubsub_subcommands[] = {
    {.name = "pubsub|channels",
     .arity = -2,
     .flags = c_pubsub | c_loading | c_stale,
     .acl = acl_pubsub | acl_slow,
     .summary = "Lists the channels with subscribers, optionally matching a pattern.",
     .since = "2.8.0",
     .group = "pubsub",
     .complexity = "O(N), N the active channels (short names and patterns assumed)",
     .args = pubsub_channels_args},
    {.name = "pubsub|numpat",
     .arity = 2,
     .flags = c_pubsub | c_loading | c_stale,
     .acl = acl_pubsub | acl_slow,
     .summary = "Counts the patterns clients are subscribed to.",
     .since = "2.8.0",
     .group = "pubsub",
     .complexity = "O(1)"},
    {.name = "pubsub|numsub",
     .arity = -2,
     .flags = c_pubsub | c_loading | c_stale,
     .acl = acl_pubsub | acl_slow,
     .summary = "Counts the subscribers of each channel given.",
     .since = "2.8.0",
     .group = "pubsub",
     .complexity = "O(N), N the channels asked about",
     .args = pubsub_numsub_args},
};

constexpr command_doc table[] = {
    {.name = "subscribe",
     .arity = -2,
     .flags = c_pubsub | c_noscript | c_loading | c_stale,
     .acl = acl_pubsub | acl_slow,
     .summary = "Starts receiving the messages sent to channels.",
     .since = "2.0.0",
     .group = "pubsub",
     .complexity = "O(N), N the number of channels",
     .args = subscribe_args},
    {.name = "unsubscribe",
     .arity = -1,
     .flags = c_pubsub | c_noscript | c_loading | c_stale,
     .acl = acl_pubsub | acl_slow,
     .summary = "Stops listening on channels (all when none is named).",
     .since = "2.0.0",
     .group = "pubsub",
     .complexity = "O(N), N the clients subscribed to a channel",
     .args = unsubscribe_args},
    {.name = "psubscribe",
     .arity = -2,
     .flags = c_pubsub | c_noscript | c_loading | c_stale,
     .acl = acl_pubsub | acl_slow,
     .summary = "Listens on every channel whose name matches a pattern.",
     .since = "2.0.0",
     .group = "pubsub",
     .complexity = "O(N), N the patterns this client already has",
     .args = psubscribe_args},
    {.name = "punsubscribe",
     .arity = -1,
     .flags = c_pubsub | c_noscript | c_loading | c_stale,
     .acl = acl_pubsub | acl_slow,
     .summary = "Stops listening on patterns (all when none is named).",
     .since = "2.0.0",
     .group = "pubsub",
     .complexity = "O(N+M): N this client's patterns, M the patterns of all clients",
     .args = punsubscribe_args},
    {.name = "publish",
     .arity = 3,
     .flags = c_pubsub | c_loading | c_stale | c_fast,
     .acl = acl_pubsub | acl_fast,
     .summary = "Sends a message to a channel's subscribers.",
     .since = "2.0.0",
     .group = "pubsub",
     .complexity = "O(N+M): N the channel's subscribers, M the patterns of all clients",
     .args = publish_args},
    {.name = "pubsub",
     .arity = -2,
     .flags = 0,
     .acl = acl_slow,
     .summary = "Groups the commands that inspect pub/sub state.",
     .since = "2.8.0",
     .group = "pubsub",
     .complexity = "Varies with the subcommand.",
     .subcommands = pubsub_subcommands},
};

} // namespace

list<command_doc> pubsub_docs() {
    return table;
}

} // namespace corio_redis::docs
