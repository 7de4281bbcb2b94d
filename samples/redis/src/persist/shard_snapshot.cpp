// One shard's part of a snapshot; see shard_snapshot.hpp.
#include "shard_snapshot.hpp"

#include "../shard.hpp"
#include "rdb_encode.hpp"

#include <utility>

namespace corio_redis::persist {

shard_snapshot::shard_snapshot(shard& s, chunk_sink& sink, bool compress,
                               std::atomic<std::uint64_t>& processed)
    : shard_(s), sink_(sink), compress_(compress), processed_(processed) {}

shard_snapshot::~shard_snapshot() {
    if (active_) abort();
}

void shard_snapshot::begin(std::int64_t now_ms, eviction_policy policy) {
    policy_ = policy;
    epoch_ = static_cast<std::uint8_t>(shard_.dbs.front().entries().epoch() + 1);
    for (auto& d : shard_.dbs) d.begin_snapshot(this, epoch_);
    started_ms_ = now_ms;
    active_ = true;
    db_ = 0;
    cursor_ = 0;
}

void shard_snapshot::save(db::database& d, std::string_view key, db::entry& e) {
    d.mark_saved(e);
    // Keys already expired at the point in time are not part of it (a loader would drop
    // them anyway).
    if (e.expire_at != 0 && e.expire_at <= started_ms_) return;
    rdb_encoder out(buffer_, compress_);
    if (buffer_db_ != d.index()) {
        out.select_db(d.index());
        buffer_db_ = d.index();
    }
    // Redis keeps what the policy tracks: the idle time under LRU, the counter under LFU.
    long long idle = -1;
    int freq = -1;
    if (policy_ == eviction_policy::allkeys_lfu || policy_ == eviction_policy::volatile_lfu)
        freq = static_cast<int>(d.frequency(e, started_ms_));
    else if (policy_ == eviction_policy::allkeys_lru || policy_ == eviction_policy::volatile_lru)
        idle = db::database::idle_seconds(e, started_ms_);
    out.key_value(key, e.val, e.expire_at, idle, freq);
    ++keys_in_buffer_;
    if (buffer_.size() >= chunk_bytes) hand_over();
}

void shard_snapshot::hand_over() {
    if (buffer_.empty()) return;
    processed_.fetch_add(std::exchange(keys_in_buffer_, 0), std::memory_order_relaxed);
    sink_.write(std::move(buffer_));
    buffer_ = std::string();
    // Every chunk selects its database first: chunks of different shards interleave.
    buffer_db_ = static_cast<std::size_t>(-1);
}

void shard_snapshot::save_first(db::database& d, std::string_view key, db::entry& e) {
    save(d, key, e);
}

void shard_snapshot::save_rest(db::database& d) {
    d.entries().for_each([&](std::string_view key, db::entry& e) {
        if (d.unsaved(e)) save(d, key, e);
    });
}

bool shard_snapshot::step(std::size_t keys) {
    if (!active_) return true;
    std::size_t visited = 0;
    while (db_ < shard_.dbs.size() && visited < keys) {
        db::database& d = shard_.dbs[db_];
        // SCAN's cursor: every entry present for the whole walk is visited at least once
        // however the table resizes meanwhile (entries visited twice are saved once: the
        // epoch says so); those that go meanwhile were saved as they went.
        cursor_ = d.entries().scan(cursor_, [&](std::string_view key, db::entry& e) {
            ++visited;
            if (d.unsaved(e)) save(d, key, e);
        });
        if (cursor_ == 0) ++db_;
    }
    if (db_ < shard_.dbs.size()) return false;
    end();
    return true;
}

void shard_snapshot::end() {
    hand_over();
    for (auto& d : shard_.dbs) d.end_snapshot();
    active_ = false;
}

void shard_snapshot::abort() {
    if (!active_) return;
    for (auto& d : shard_.dbs) {
        d.entries().for_each([&](std::string_view, db::entry& e) {
            if (d.unsaved(e)) d.mark_saved(e);
        });
        d.end_snapshot();
    }
    buffer_.clear();
    active_ = false;
}

} // namespace corio_redis::persist
