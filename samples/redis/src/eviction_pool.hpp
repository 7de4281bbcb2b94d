// The candidates for eviction a shard keeps between evictions, as Redis's eviction pool: the
// sampled keys with the best scores so far (idle time, rarity of use, nearness of expiry),
// so that over many rounds the choice approaches the true best of the whole keyspace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis {

class eviction_pool {
public:
    static constexpr std::size_t capacity = 16;

    struct candidate {
        std::uint64_t score; // higher: evict sooner
        std::size_t db;
        std::string key;
    };

    /// Offers a sampled key; kept if the pool has room or it beats the worst kept.
    void offer(std::uint64_t score, std::size_t db, std::string_view key) {
        if (items_.size() == capacity && score <= items_.front().score) return;
        for (const auto& c : items_)
            if (c.db == db && c.key == key) return;
        auto at = items_.begin();
        while (at != items_.end() && at->score < score) ++at;
        items_.insert(at, candidate{score, db, std::string(key)});
        if (items_.size() > capacity) items_.erase(items_.begin());
    }
    bool empty() const noexcept { return items_.empty(); }
    /// Takes the best candidate (the caller checks that its key still exists).
    candidate take() {
        candidate c = std::move(items_.back());
        items_.pop_back();
        return c;
    }
    void clear() noexcept { items_.clear(); }

private:
    std::vector<candidate> items_; // ascending by score
};

} // namespace corio_redis
