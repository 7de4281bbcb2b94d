// One shard's part of a snapshot: every key as it was at the snapshot's point in time,
// serialized in RDB form while the shard keeps serving. Entries carry the epoch of the last
// snapshot that saved them (db/keyspace.hpp); one of an older epoch is unsaved, and is
// saved just before anything changes it (copy-on-write per entry, without a copy). Touched
// only on the shard's loop. Design: docs/redis.md, "Persistence".
#pragma once

#include "../config.hpp"
#include "../db/database.hpp"
#include "rdb_file_writer.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace corio_redis {
struct shard;
}

namespace corio_redis::persist {

class shard_snapshot final : public db::snapshot_observer {
public:
    /// `compress`: rdbcompression. Chunks of about `chunk_bytes` go to `sink`; the count of
    /// keys in each is added to `processed` (INFO's current_save_keys_processed).
    shard_snapshot(shard& s, chunk_sink& sink, bool compress,
                   std::atomic<std::uint64_t>& processed);
    ~shard_snapshot() override;
    shard_snapshot(const shard_snapshot&) = delete;
    shard_snapshot& operator=(const shard_snapshot&) = delete;

    /// The point in time (shard loop, while the shard is held): every entry there is now
    /// is unsaved, everything made from here on is not part of the snapshot.
    void begin(std::int64_t now_ms, eviction_policy policy);
    /// Saves the unsaved entries of the next buckets, about `keys` of them; true once every
    /// database was walked (the last chunk is then handed over and the shard let go).
    bool step(std::size_t keys);
    /// Abandons the snapshot (the file is dropped): entries left unsaved are marked saved,
    /// so that the next snapshot starts from a clean slate.
    void abort();

    // snapshot_observer: the entry, or the whole database, is about to change.
    void save_first(db::database& d, std::string_view key, db::entry& e) override;
    void save_rest(db::database& d) override;

    static constexpr std::size_t chunk_bytes = 256 * 1024;

private:
    void save(db::database& d, std::string_view key, db::entry& e);
    void hand_over();
    void end();

    shard& shard_;
    chunk_sink& sink_;
    bool compress_;
    bool active_ = false;
    std::uint8_t epoch_ = 0;
    std::int64_t started_ms_ = 0;
    eviction_policy policy_ = eviction_policy::noeviction; // maxmemory-policy: IDLE or FREQ
    std::string buffer_;
    std::size_t buffer_db_ = static_cast<std::size_t>(-1); // the database buffer_ last selected
    std::size_t db_ = 0;                                   // the database being walked
    std::uint64_t cursor_ = 0;                             // its SCAN cursor
    std::uint64_t keys_in_buffer_ = 0;
    std::atomic<std::uint64_t>& processed_;
};

} // namespace corio_redis::persist
