// Publishing; see pubsub.hpp.
#include "pubsub.hpp"

#include "config.hpp"
#include "resp/reply.hpp"

namespace corio_redis {

std::size_t pubsub_registry::publish(std::string_view channel, std::string_view payload,
                                     corio::connection* publisher) {
    auto deliver = [publisher](subscriber& s, std::string bytes) {
        if (s.conn.get() == publisher)
            s.conn->write(bytes); // flushed with the publisher's batch, before its reply
        else
            s.conn->async_write(std::move(bytes));
    };
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
    std::size_t receivers = 0;
    if (auto it = channels.find(channel); it != channels.end()) {
        for (auto& s : it->second) {
            deliver(*s, message(s->protocol));
            ++receivers;
        }
    }
    for (auto& [pattern, s] : patterns) {
        if (!glob_match(pattern, channel)) continue;
        std::string bytes;
        resp::reply out(bytes, s->protocol);
        out.push(4);
        out.bulk("pmessage");
        out.bulk(pattern);
        out.bulk(channel);
        out.bulk(payload);
        deliver(*s, std::move(bytes));
        ++receivers;
    }
    return receivers;
}

} // namespace corio_redis
