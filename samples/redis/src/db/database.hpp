// One logical database (SELECT n) of one shard: a hash table from key to entry, with lazy
// expiry on access and active expiry by sampling. Touched only by its shard's loop.
#pragma once

#include "../notify.hpp"
#include "access_clock.hpp"
#include "keyspace.hpp"
#include "value.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace corio_redis::db {

class database;

/// A snapshot under way (persist/shard_snapshot.hpp) is told before an entry it has not
/// saved yet changes or goes, so that it saves the entry as it was first, and before the
/// whole database is emptied or traded (FLUSHDB, SWAPDB), so that it saves what is left.
struct snapshot_observer {
    virtual ~snapshot_observer() = default;
    virtual void save_first(database& d, std::string_view key, entry& e) = 0;
    virtual void save_rest(database& d) = 0;
};

class database {
public:
    /// Told of the changes the database makes by itself: keys that expire (lazily or by
    /// sampling: "expired") and keys made ("new"), for keyspace notifications.
    using event_hook =
        std::function<void(std::uint32_t cls, std::string_view event, std::string_view key)>;
    void set_event_hook(event_hook hook) { events_ = std::move(hook); }
    /// A keyspace event for `key` of this database, for changes made outside a command
    /// (serving blocked clients).
    void notify(std::uint32_t cls, std::string_view event, std::string_view key) {
        if (events_) events_(cls, event, key);
    }

    /// The live entry for key, or null (an expired one is deleted on the way). Records the
    /// access (OBJECT IDLETIME), as every command's lookup does in Redis.
    entry* find(std::string_view key, std::int64_t now_ms);
    /// find without recording the access (OBJECT, DEBUG OBJECT: Redis's LOOKUP_NOTOUCH).
    entry* find_untouched(std::string_view key, std::int64_t now_ms);
    /// The entry for key, made empty-string if absent (or expired); `created` says which.
    /// Records the access.
    entry& find_or_create(std::string_view key, std::int64_t now_ms, bool& created);
    /// Where lookups read whether the access field is LRU or LFU (null: LRU).
    void set_access_policy(const access_policy* p) noexcept { access_ = p; }
    /// OBJECT FREQ: the entry's LFU counter as it decayed (under an LFU policy).
    std::uint32_t frequency(const entry& e, std::int64_t now_ms) const noexcept {
        return access_clock::lfu_counter(
            keyspace::access_of(e), now_ms,
            access_ ? access_->decay_minutes.load(std::memory_order_relaxed) : 1);
    }
    /// Seconds since the entry's last recorded access.
    static std::int64_t idle_seconds(const entry& e, std::int64_t now_ms) noexcept {
        std::int64_t idle = now_ms / 1000 - keyspace::access_of(e);
        return idle < 0 ? 0 : idle;
    }
    /// Sets key to val, dropping any expiry unless keep_ttl.
    entry& put(std::string_view key, value val, std::int64_t now_ms, bool keep_ttl = false);
    bool erase(std::string_view key);
    /// Sets (or with 0 removes) the expiry of `e`, the entry of `key`.
    void set_expiry(std::string_view key, entry& e, std::int64_t at_ms);

    std::size_t size() const noexcept { return map_.size(); }
    /// The key and expiry counts as of this database's last change, for INFO's keyspace
    /// section on another loop (any thread).
    std::size_t size_seen() const noexcept { return size_seen_.load(std::memory_order_relaxed); }
    std::size_t expiring_seen() const noexcept {
        return expiring_seen_.load(std::memory_order_relaxed);
    }
    std::size_t expiring() const noexcept { return expiring_.size(); }
    /// A key that has an expiry, drawn from the bucket `pick` names (or the next one that
    /// holds any); empty if none has (eviction's volatile policies).
    std::string_view sample_expiring(std::size_t pick) const noexcept;
    void clear();
    keyspace& entries() noexcept { return map_; }
    /// Index of this database in its shard (SELECT's number).
    std::size_t index() const noexcept { return index_; }
    void set_index(std::size_t i) noexcept { index_ = i; }

    /// Snapshots: from here on entries made get epoch `epoch`, and those of another epoch
    /// are unsaved: `observer` sees them before they change. Null ends it.
    void begin_snapshot(snapshot_observer* observer, std::uint8_t epoch) noexcept {
        snapshot_ = observer;
        map_.set_new_epoch(epoch);
    }
    void end_snapshot() noexcept { snapshot_ = nullptr; }
    /// True while a snapshot under way has not saved `e` yet.
    bool unsaved(const entry& e) const noexcept {
        return snapshot_ && keyspace::epoch_of(e) != map_.epoch();
    }
    /// Marks `e` saved by the snapshot under way.
    void mark_saved(entry& e) const noexcept { keyspace::set_epoch(e, map_.epoch()); }
    /// SWAPDB: trades contents (keys, expiries) with `other`, not the statistics.
    void swap_contents(database& other);

    /// While on, find() counts hits and misses (INFO keyspace_hits/misses): the session
    /// turns it on around read-only commands, as Redis counts only their lookups.
    void count_lookups(bool on) noexcept { counting_ = on; }
    // Statistics (any thread reads them; only this database's loop writes them).
    std::uint64_t hits() const noexcept { return hits_.load(std::memory_order_relaxed); }
    std::uint64_t misses() const noexcept { return misses_.load(std::memory_order_relaxed); }
    /// Keys removed because they had expired, found so (lazily) or by active expiry.
    std::uint64_t expired() const noexcept { return expired_.load(std::memory_order_relaxed); }

    /// Active expiry: looks at about `samples` keys that have a TTL (from where the last call
    /// stopped), deletes the expired ones, and goes on while more than a quarter of those it
    /// looked at had expired (as Redis does), for at most 16 rounds; returns the count.
    std::size_t expire_some(std::int64_t now_ms, std::size_t samples);
    /// Moves up to `buckets` buckets of a resize under way (the ticker's share of it, so a
    /// table nobody writes to still finishes).
    void rehash_some(std::size_t buckets) noexcept { map_.rehash_some(buckets); }

private:
    // Before `e` (of `key`) changes or goes: a snapshot that has not saved it does so now.
    void before_change(std::string_view key, entry& e) {
        if (unsaved(e)) [[unlikely]]
            snapshot_->save_first(*this, key, e);
    }
    void forget_expiry(std::string_view key);
    void record_access(entry& e, std::int64_t now_ms, bool created) noexcept;
    void publish_counts() noexcept {
        size_seen_.store(map_.size(), std::memory_order_relaxed);
        expiring_seen_.store(expiring_.size(), std::memory_order_relaxed);
    }

    void expired(std::string_view key) { notify(notify_expired, "expired", key); }

    keyspace map_;
    event_hook events_;
    snapshot_observer* snapshot_ = nullptr;
    const access_policy* access_ = nullptr;
    std::size_t index_ = 0;
    // The keys that have an expiry: active expiry samples these only, so keys without a TTL
    // (however many) do not slow it down.
    std::unordered_set<std::string, string_hash, std::equal_to<>> expiring_;
    std::atomic<std::size_t> size_seen_{0}, expiring_seen_{0};
    std::size_t cursor_ = 0; // next bucket expire_some looks at
    bool counting_ = false;
    std::atomic<std::uint64_t> hits_{0}, misses_{0}, expired_{0};
    static void bump(std::atomic<std::uint64_t>& a, std::uint64_t n = 1) noexcept {
        a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
};

} // namespace corio_redis::db
