// Database operations and expiry; see database.hpp.
#include "database.hpp"

#include <algorithm>
#include <vector>

namespace corio_redis::db {

std::string_view type_name(value_type t) noexcept {
    switch (t) {
    case value_type::string:
        return "string";
    case value_type::list:
        return "list";
    case value_type::hash:
        return "hash";
    case value_type::set:
        return "set";
    }
    return "none";
}

value value::clone() const {
    switch (type()) {
    case value_type::string:
        return of_string(str());
    case value_type::list:
        return value{std::make_unique<list_type>(*std::get<1>(data))};
    case value_type::hash:
        return value{std::make_unique<hash_type>(*std::get<2>(data))};
    case value_type::set:
        return value{std::make_unique<set_type>(*std::get<3>(data))};
    }
    return {};
}

// Heterogeneous erase is C++23: find, then erase the iterator.
void database::forget_expiry(std::string_view key) {
    if (auto it = expiring_.find(key); it != expiring_.end()) expiring_.erase(it);
}

// The access field (access_clock.hpp): under LRU unix seconds in 32 bits (good until
// 2106), as Redis keeps a 24-bit seconds clock per object; under LFU a decaying counter.
void database::record_access(entry& e, std::int64_t now_ms, bool created) noexcept {
    if (access_ && access_->lfu.load(std::memory_order_relaxed)) {
        keyspace::set_access(
            e,
            created
                ? access_clock::lfu_field(access_clock::minutes(now_ms), access_clock::lfu_initial)
                : access_clock::lfu_touch(keyspace::access_of(e), now_ms,
                                          access_->log_factor.load(std::memory_order_relaxed),
                                          access_->decay_minutes.load(std::memory_order_relaxed)));
        return;
    }
    keyspace::set_access(e, access_clock::lru_stamp(now_ms));
}

entry* database::find(std::string_view key, std::int64_t now_ms) {
    entry* e = find_untouched(key, now_ms);
    if (e) record_access(*e, now_ms, false);
    if (counting_) bump(e ? hits_ : misses_);
    return e;
}

entry* database::find_untouched(std::string_view key, std::int64_t now_ms) {
    entry* e = map_.find(key);
    if (!e) return nullptr;
    // Every command reaches its keys through here, reads and writes alike: saving an
    // unsaved entry on any access is simpler than telling them apart, and costs only
    // moving the entry's turn in the snapshot earlier.
    before_change(key, *e);
    if (e->expire_at != 0 && e->expire_at <= now_ms) {
        forget_expiry(key);
        map_.erase(key);
        publish_counts();
        bump(expired_);
        expired(key);
        return nullptr;
    }
    return e;
}

entry& database::find_or_create(std::string_view key, std::int64_t now_ms, bool& created) {
    entry& e = map_.find_or_insert(key, created);
    if (!created) before_change(key, e);
    if (!created && e.expire_at != 0 && e.expire_at <= now_ms) {
        // Expired: the key starts over, as a new empty string with no expiry.
        forget_expiry(key);
        e = entry{};
        created = true;
        bump(expired_);
        expired(key);
    }
    if (created) {
        publish_counts();
        if (events_) events_(notify_new, "new", key);
    }
    record_access(e, now_ms, created);
    return e;
}

entry& database::put(std::string_view key, value val, std::int64_t now_ms, bool keep_ttl) {
    bool created = false;
    entry& e = find_or_create(key, now_ms, created);
    e.val = std::move(val);
    if (!keep_ttl && e.expire_at != 0) {
        e.expire_at = 0;
        forget_expiry(key);
        publish_counts();
    }
    return e;
}

bool database::erase(std::string_view key) {
    entry* e = map_.find(key);
    if (!e) return false;
    before_change(key, *e);
    if (e->expire_at != 0) forget_expiry(key);
    map_.erase(key);
    publish_counts();
    return true;
}

void database::set_expiry(std::string_view key, entry& e, std::int64_t at_ms) {
    before_change(key, e);
    if (e.expire_at == 0 && at_ms != 0) expiring_.emplace(key);
    if (e.expire_at != 0 && at_ms == 0) forget_expiry(key);
    e.expire_at = at_ms;
    publish_counts();
}

void database::swap_contents(database& other) {
    // The contents change databases: a snapshot saves both first, under their old numbers.
    if (snapshot_) snapshot_->save_rest(*this);
    if (other.snapshot_ && &other != this) other.snapshot_->save_rest(other);
    map_.swap(other.map_);
    expiring_.swap(other.expiring_);
    std::swap(cursor_, other.cursor_);
    publish_counts();
    other.publish_counts();
}

void database::clear() {
    if (snapshot_) snapshot_->save_rest(*this);
    // Fresh tables, not clear(): a cleared table keeps its buckets (memory, and time for
    // every later walk over them).
    map_.clear();
    expiring_ = decltype(expiring_){};
    publish_counts();
    cursor_ = 0;
}

std::string_view database::sample_expiring(std::size_t pick) const noexcept {
    const std::size_t buckets = expiring_.bucket_count();
    if (expiring_.empty() || buckets == 0) return {};
    for (std::size_t i = 0; i < buckets; ++i) {
        const std::size_t b = (pick + i) % buckets;
        if (expiring_.begin(b) != expiring_.end(b)) return *expiring_.begin(b);
    }
    return {};
}

std::size_t database::expire_some(std::int64_t now_ms, std::size_t samples) {
    std::size_t deleted = 0;
    std::vector<std::string> due;
    for (int round = 0; round < 16 && !expiring_.empty(); ++round) {
        // A set emptied by expiry keeps its buckets: shrink it so walks stay short.
        if (expiring_.bucket_count() > 64 && expiring_.size() * 8 < expiring_.bucket_count())
            expiring_.rehash(0);
        const std::size_t buckets = expiring_.bucket_count();
        std::size_t looked = 0;
        due.clear();
        // Whole buckets from the cursor, until `samples` keys (empty buckets count a little,
        // so a sparse table is walked a bounded stretch per call), each bucket at most once
        // a round: a small table would otherwise offer the same key several times.
        const std::size_t stretch = std::min(samples * 20, buckets);
        for (std::size_t visited = 0; looked < samples && visited < stretch; ++visited) {
            std::size_t b = cursor_++ % buckets;
            for (auto it = expiring_.begin(b); it != expiring_.end(b); ++it) {
                ++looked;
                entry* e = map_.find(*it);
                if (e && e->expire_at <= now_ms) due.push_back(*it);
            }
        }
        for (auto& key : due) {
            if (!erase(key)) continue;
            bump(expired_);
            expired(key);
            ++deleted;
        }
        if (looked == 0 || due.size() * 4 <= looked) break; // few expired: enough
    }
    return deleted;
}

} // namespace corio_redis::db
