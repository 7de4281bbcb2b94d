// Pub/sub across loops. A channel lives on the shard its name hashes to, with the clients
// subscribed to it; every shard keeps every pattern, so the channel's shard alone can
// deliver a PUBLISH to channel and pattern subscribers. Messages reach each subscriber by a
// post to the subscriber's loop (deliver): no locks.
#pragma once

#include "client_limits.hpp"
#include "db/value.hpp"

#include <corio/connection.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace corio_redis {

struct subscriber {
    std::shared_ptr<corio::connection> conn;
    std::uint64_t id = 0;
    int protocol = 2; // read by shards when encoding: set before registering, then fixed
    // The client's session while it runs (null after): told of each delivery, for its
    // output limits. Set and read on the subscriber's loop only.
    output_listener* listener = nullptr;
};
using subscriber_ptr = std::shared_ptr<subscriber>;

/// Queues `bytes` on the subscriber's connection on its own loop, tells its session, and
/// sends them at the end of that loop's turn (with the other replies, as Redis writes before
/// it sleeps). Also how MONITOR lines travel. Any thread.
void deliver(const subscriber_ptr& s, std::string bytes);

struct pubsub_registry {
    std::unordered_map<std::string, std::vector<subscriber_ptr>, db::string_hash, std::equal_to<>>
        channels;                                                 // the channels of this shard
    std::vector<std::pair<std::string, subscriber_ptr>> patterns; // all patterns, every shard

    /// Delivers `payload` on `channel` to its subscribers, then to matching patterns' (in
    /// subscription order); returns how many received it. `publisher` (its own connection,
    /// suspended meanwhile) gets its copy appended in place, ahead of the PUBLISH reply, as
    /// Redis orders them. Shard loop only.
    std::size_t publish(std::string_view channel, std::string_view payload,
                        corio::connection* publisher);
    /// The two halves of publish, for keyspace notifications (notify.cpp), which serve the
    /// patterns from the shard where the change happened. Shard loop only.
    std::size_t publish_to_channel(std::string_view channel, std::string_view payload,
                                   corio::connection* publisher = nullptr);
    std::size_t publish_to_patterns(std::string_view channel, std::string_view payload,
                                    corio::connection* publisher = nullptr);
};

} // namespace corio_redis
