// Publishing; see pubsub.hpp.
#include "pubsub.hpp"

#include "config.hpp"
#include "resp/reply.hpp"

#include <corio/loop.hpp>

namespace corio_redis {

void deliver(const subscriber_ptr& s, std::string bytes) {
    s->conn->owner().post([s, bytes = std::move(bytes)] {
        if (!s->conn->write(bytes)) return; // gone, or over its outbound cap
        if (s->listener) s->listener->output_queued();
        s->conn->flush_soon();
    });
}

namespace {

void deliver(const subscriber_ptr& s, std::string bytes, corio::connection* publisher) {
    if (s->conn.get() == publisher)
        s->conn->write(bytes); // flushed with the publisher's batch, before its reply
    else
        deliver(s, std::move(bytes));
}

} // namespace

std::size_t pubsub_registry::publish(std::string_view channel, std::string_view payload,
                                     corio::connection* publisher) {
    std::size_t receivers = publish_to_channel(channel, payload, publisher);
    return receivers + publish_to_patterns(channel, payload, publisher);
}

std::size_t pubsub_registry::publish_to_channel(std::string_view channel, std::string_view payload,
                                                corio::connection* publisher) {
    auto it = channels.find(channel);
    if (it == channels.end()) return 0;
    std::string encoded[2]; // RESP2 and RESP3 forms, made on first use
    auto message = [&](int protocol) -> const std::string& {
        std::string& bytes = encoded[protocol >= 3 ? 1 : 0];
        if (bytes.empty()) {
            resp::reply out(bytes, protocol);
            out.push(3);
            out.bulk("message");
            out.bulk(channel);
            out.bulk(payload);
        }
        return bytes;
    };
    for (auto& s : it->second) deliver(s, message(s->protocol), publisher);
    return it->second.size();
}

std::size_t pubsub_registry::publish_to_patterns(std::string_view channel, std::string_view payload,
                                                 corio::connection* publisher) {
    std::size_t receivers = 0;
    for (auto& [pattern, s] : patterns) {
        if (!glob_match(pattern, channel)) continue;
        std::string bytes;
        resp::reply out(bytes, s->protocol);
        out.push(4);
        out.bulk("pmessage");
        out.bulk(pattern);
        out.bulk(channel);
        out.bulk(payload);
        deliver(s, std::move(bytes), publisher);
        ++receivers;
    }
    return receivers;
}

} // namespace corio_redis
