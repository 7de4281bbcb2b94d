// maxmemory: when the memory in use passes it, keys are evicted by maxmemory-policy, as Redis
// approximates it: each round samples maxmemory-samples keys of every database into the
// shard's pool (eviction_pool.hpp) and deletes the best candidate. Each shard evicts only
// its own keys, on its own loop, so no lock is taken; keys spread evenly over the shards by
// hash, so every shard that runs writes evicts its share. Design: docs/redis.md.
#pragma once

#include <cstdint>

namespace corio_redis {

class server;
struct shard;

/// If memory is over maxmemory, evicts keys of shard s (on its loop) until it is not, nothing
/// is left to evict, or the time maxmemory-eviction-tenacity allows has passed. True unless
/// memory is still over and no key could be evicted (noeviction, or no candidates).
bool make_room(server& srv, shard& s, std::int64_t now_ms);

/// Over maxmemory with nothing any shard could evict: denyoom commands are refused with
/// Redis's OOM error. Any thread (reads counters only).
bool out_of_memory(server& srv);

} // namespace corio_redis
