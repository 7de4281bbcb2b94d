// Keyspace notifications (notify-keyspace-events): the event classes, their config string,
// and the call commands make after each change. An event is a pub/sub message on
// __keyspace@<db>__:<key> (payload: the event) and/or __keyevent@<db>__:<event> (payload:
// the key), delivered like a PUBLISH from the shard where the change happened.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corio_redis {

class server;
struct shard;

// Redis's classes; K and E choose the channel kinds, the rest the events.
enum notify_class : std::uint32_t {
    notify_keyspace = 1u << 0,  // K
    notify_keyevent = 1u << 1,  // E
    notify_generic = 1u << 2,   // g: del, expire, rename, persist, copy, move...
    notify_string = 1u << 3,    // $
    notify_list = 1u << 4,      // l
    notify_set = 1u << 5,       // s
    notify_hash = 1u << 6,      // h
    notify_zset = 1u << 7,      // z
    notify_expired = 1u << 8,   // x
    notify_evicted = 1u << 9,   // e
    notify_stream = 1u << 10,   // t
    notify_key_miss = 1u << 11, // m (not part of A)
    notify_module = 1u << 12,   // d
    notify_new = 1u << 13,      // n (not part of A)
    notify_all = notify_generic | notify_string | notify_list | notify_set | notify_hash |
                 notify_zset | notify_expired | notify_evicted | notify_stream | notify_module,
};

/// The flags of a notify-keyspace-events string ("KEA", "Elg"...), or none if a character
/// is not a class.
std::optional<std::uint32_t> parse_notify_flags(std::string_view text) noexcept;
/// The string CONFIG GET shows for flags, in Redis's order ("AKE" for "KEA").
std::string notify_flags_text(std::uint32_t flags);

/// Publishes event `event` of class `cls` on key `key` of database `db`, if the server's
/// notify-keyspace-events asks for it. `origin` is the shard the change happened on (or a
/// private shard on some loop): pattern subscribers are served from that loop's shard, in
/// the order the events happen, and the exact channels from their own shards. Loop thread.
void notify_keyspace_event(server& srv, shard& origin, std::size_t db, std::uint32_t cls,
                           std::string_view event, std::string_view key);

} // namespace corio_redis
