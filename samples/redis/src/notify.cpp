// Keyspace notifications; see notify.hpp.
#include "notify.hpp"

#include "server.hpp"

#include <fmt/format.h>

namespace corio_redis {
namespace {

struct class_letter {
    char letter;
    std::uint32_t flags;
};

// In the order Redis writes them back.
constexpr class_letter class_letters[] = {
    {'g', notify_generic}, {'$', notify_string}, {'l', notify_list},    {'s', notify_set},
    {'h', notify_hash},    {'z', notify_zset},   {'x', notify_expired}, {'e', notify_evicted},
    {'t', notify_stream},  {'d', notify_module}, {'n', notify_new},
};

} // namespace

std::optional<std::uint32_t> parse_notify_flags(std::string_view text) noexcept {
    std::uint32_t flags = 0;
    for (char ch : text) {
        switch (ch) {
        case 'A':
            flags |= notify_all;
            continue;
        case 'K':
            flags |= notify_keyspace;
            continue;
        case 'E':
            flags |= notify_keyevent;
            continue;
        case 'm':
            flags |= notify_key_miss;
            continue;
        default:
            break;
        }
        bool known = false;
        for (auto [letter, f] : class_letters) {
            if (letter == ch) {
                flags |= f;
                known = true;
            }
        }
        if (!known) return std::nullopt;
    }
    return flags;
}

std::string notify_flags_text(std::uint32_t flags) {
    std::string out;
    if ((flags & notify_all) == notify_all) {
        out += 'A'; // Redis 7.0 then leaves out n even when it is set
    } else {
        for (auto [letter, f] : class_letters)
            if (flags & f) out += letter;
    }
    if (flags & notify_keyspace) out += 'K';
    if (flags & notify_keyevent) out += 'E';
    if (flags & notify_key_miss) out += 'm';
    return out;
}

void notify_keyspace_event(server& srv, shard& origin, std::size_t db, std::uint32_t cls,
                           std::string_view event, std::string_view key) {
    const std::uint32_t flags = srv.cfg().notify_flags();
    if (!(flags & cls)) return;
    // The real shard of this loop (origin may be a private scratch shard on it).
    shard& here = srv.shard_at(origin.loop.index());
    auto send = [&](std::string channel, std::string_view payload) {
        // Every shard keeps every pattern: served from here, in the order events happen.
        here.pubsub.publish_to_patterns(channel, payload);
        std::size_t owner = srv.shard_of(channel);
        if (owner == here.index) {
            here.pubsub.publish_to_channel(channel, payload);
            return;
        }
        shard& target = srv.shard_at(owner);
        target.loop.post([&target, channel = std::move(channel), payload = std::string(payload)] {
            target.pubsub.publish_to_channel(channel, payload);
        });
    };
    if (flags & notify_keyspace) send(fmt::format("__keyspace@{}__:{}", db, key), event);
    if (flags & notify_keyevent) send(fmt::format("__keyevent@{}__:{}", db, event), key);
}

void key_changed(command_context& c, std::uint32_t cls, std::string_view event,
                 std::string_view key) {
    key_changed(c, c.client.db, cls, event, key);
}

void key_changed(command_context& c, std::size_t db, std::uint32_t cls, std::string_view event,
                 std::string_view key) {
    c.home->touch(db, key);
    notify_keyspace_event(c.srv, *c.home, db, cls, event, key);
}

} // namespace corio_redis
