// Blocking list pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) across shards. A blocked
// client registers on the shard of each of its keys; a write that leaves one of those lists
// non-empty serves the first waiting client right there, on that shard, after the command,
// as Redis does. A client waiting on keys of several shards is served exactly once: the
// first shard to claim it (an atomic flag) wins, the others find it claimed and drop it.
#pragma once

#include "db/database.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace corio_redis {

struct blocked_client {
    using channel =
        boost::asio::experimental::concurrent_channel<void(boost::system::error_code, std::string)>;

    explicit blocked_client(const boost::asio::any_io_executor& ex) : done(ex, 1) {}

    std::atomic<bool> claimed{false}; // served, timed out or gone: whoever sets it acts
    // What serving means: pop from the left or the right, `count` elements (BLMPOP), and
    // for BLMOVE push the element to `destination` (to_left says which end).
    bool left = true;
    bool is_move = false, is_mpop = false, to_left = true;
    std::size_t count = 1;
    std::string destination;
    std::size_t db = 0;
    int protocol = 2;
    // BLMOVE whose destination is on another shard: the served element still has to be
    // pushed there (the session does it); the channel then carries just the element.
    bool push_pending = false;
    channel done; // the reply (or, with push_pending, the element)
};

using blocked_ptr = std::shared_ptr<blocked_client>;
using blocked_map =
    std::unordered_map<std::string, std::deque<blocked_ptr>, db::string_hash, std::equal_to<>>;

struct shard;

/// Serves, in order, the clients blocked on `key` while its list has elements (shard loop).
/// After `popped` elements were served from list `key` (on its shard's loop): WATCH, and the
/// append-only log as an LPOP/RPOP of that count.
void note_pop(shard& s, std::size_t db, const blocked_client& b, std::string_view key,
              std::size_t popped);

void serve_blocked(shard& s, std::size_t db, std::string_view key, std::int64_t now_ms,
                   std::size_t shard_count);

/// BLMOVE's second half, on the destination's shard: pushes `element` onto the list at
/// `destination` (made if absent; left alone if it holds another type), marks the key written
/// for WATCH, and serves whoever was blocked on it. Shard loop only.
void push_moved(shard& s, std::size_t db, std::string_view destination, bool to_left,
                std::string element, std::int64_t now_ms, std::size_t shard_count);

/// After pop_for took from `key`'s list for `b`: the pop's keyspace event, and the list's
/// deletion (with its event) if that emptied it. Shard loop only.
void popped(db::database& d, const blocked_client& b, std::string_view key,
            const db::list_type& list);

/// Pops for `b` from `list` (which is not empty) and returns the reply bytes (or, with
/// push_pending set, the bare element); a move's element also goes to *moved. Shard loop.
std::string pop_for(blocked_client& b, std::string_view key, db::list_type& list,
                    std::string* moved);

} // namespace corio_redis
