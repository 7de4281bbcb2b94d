// Eviction under maxmemory; see eviction.hpp.
#include "eviction.hpp"

#include "memory_counter.hpp"
#include "notify.hpp"
#include "server.hpp"

#include <chrono>
#include <limits>
#include <optional>
#include <random>
#include <string>

namespace corio_redis {
namespace {

bool volatile_only(eviction_policy p) noexcept {
    return p == eviction_policy::volatile_lru || p == eviction_policy::volatile_lfu ||
           p == eviction_policy::volatile_random || p == eviction_policy::volatile_ttl;
}

bool random_pick(eviction_policy p) noexcept {
    return p == eviction_policy::allkeys_random || p == eviction_policy::volatile_random;
}

std::minstd_rand& rng() {
    static thread_local std::minstd_rand r{std::random_device{}()};
    return r;
}

// How much a key deserves eviction under the policy: higher first.
std::uint64_t score(eviction_policy p, const db::database& d, const db::entry& e,
                    std::int64_t now_ms) {
    switch (p) {
    case eviction_policy::allkeys_lfu:
    case eviction_policy::volatile_lfu:
        return 255 - d.frequency(e, now_ms);
    case eviction_policy::volatile_ttl:
        return std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(e.expire_at);
    default:
        return static_cast<std::uint64_t>(db::database::idle_seconds(e, now_ms));
    }
}

// A key drawn at random from d (from those with an expiry under a volatile policy), or none.
std::optional<std::string> draw(db::database& d, bool volatile_keys, std::int64_t now_ms) {
    for (int tries = 0; tries < 32; ++tries) {
        if (volatile_keys) {
            std::string_view k = d.sample_expiring(rng()());
            if (k.empty()) return std::nullopt;
            return std::string(k);
        }
        auto [key, e] = d.entries().sample(rng()(), rng()());
        if (e && (e->expire_at == 0 || e->expire_at > now_ms)) return std::string(key);
    }
    return std::nullopt;
}

// Samples every database of s into its pool, then takes the best candidate that still
// exists (and, under a volatile policy, still has an expiry).
std::optional<eviction_pool::candidate> best_candidate(shard& s, eviction_policy p, int samples,
                                                       std::int64_t now_ms) {
    const bool volatile_keys = volatile_only(p);
    for (auto& d : s.dbs) {
        if (volatile_keys ? d.expiring() == 0 : d.size() == 0) continue;
        for (int i = 0; i < samples; ++i) {
            auto key = draw(d, volatile_keys, now_ms);
            if (!key) break;
            if (const db::entry* e = d.entries().find(*key))
                s.evictions.offer(score(p, d, *e, now_ms), d.index(), *key);
        }
    }
    while (!s.evictions.empty()) {
        auto c = s.evictions.take();
        const db::entry* e = s.dbs[c.db].entries().find(c.key);
        if (e && (!volatile_keys || e->expire_at != 0)) return c;
    }
    return std::nullopt;
}

// Random policies: a key of the next database that has one, round robin as Redis.
std::optional<eviction_pool::candidate> random_candidate(shard& s, eviction_policy p,
                                                         std::int64_t now_ms) {
    const bool volatile_keys = volatile_only(p);
    for (std::size_t n = 0; n < s.dbs.size(); ++n) {
        db::database& d = s.dbs[s.next_eviction_db++ % s.dbs.size()];
        if (auto key = draw(d, volatile_keys, now_ms))
            return eviction_pool::candidate{0, d.index(), std::move(*key)};
    }
    return std::nullopt;
}

// Redis's time bound on one eviction run, from maxmemory-eviction-tenacity: 50 us per step
// up to 10 (500 us, the default), growing 15% a step past it, and no bound at 100.
std::chrono::microseconds time_bound(long long tenacity) {
    if (tenacity <= 10) return std::chrono::microseconds(50 * tenacity);
    if (tenacity >= 100) return std::chrono::microseconds::max();
    double us = 500;
    for (long long t = 10; t < tenacity; ++t) us *= 1.15;
    return std::chrono::microseconds(static_cast<long long>(us));
}

} // namespace

bool make_room(server& srv, shard& s, std::int64_t now_ms) {
    const config& cfg = srv.cfg();
    const std::size_t limit = cfg.maxmemory();
    if (limit == 0 || memory::used_bytes() <= limit) return true;
    const eviction_policy policy = cfg.maxmemory_policy();
    if (policy == eviction_policy::noeviction) return false;
    const int samples = cfg.maxmemory_samples();
    const auto started = std::chrono::steady_clock::now();
    const auto bound = time_bound(cfg.eviction_tenacity());
    std::size_t evicted = 0;
    while (memory::used_bytes() > limit) {
        auto victim = random_pick(policy) ? random_candidate(s, policy, now_ms)
                                          : best_candidate(s, policy, samples, now_ms);
        if (!victim) return evicted > 0;
        db::database& d = s.dbs[victim->db];
        if (!d.erase(victim->key)) continue;
        s.touch(victim->db, victim->key);
        notify_keyspace_event(srv, s, victim->db, notify_evicted, "evicted", victim->key);
        s.evicted_keys.store(s.evicted_keys.load(std::memory_order_relaxed) + 1,
                             std::memory_order_relaxed);
        // Redis lets the command run once the time is up, and goes on later (here: the
        // shard's next command or tick).
        if (++evicted % 16 == 0 && std::chrono::steady_clock::now() - started > bound) break;
    }
    return true;
}

bool out_of_memory(server& srv) {
    const config& cfg = srv.cfg();
    const std::size_t limit = cfg.maxmemory();
    if (limit == 0 || memory::used_bytes() <= limit) return false;
    const eviction_policy policy = cfg.maxmemory_policy();
    if (policy == eviction_policy::noeviction) return true;
    const bool volatile_keys = volatile_only(policy);
    for (std::size_t i = 0; i < srv.shard_count(); ++i)
        for (const auto& d : srv.shard_at(i).dbs)
            if ((volatile_keys ? d.expiring_seen() : d.size_seen()) > 0) return false;
    return true;
}

} // namespace corio_redis
