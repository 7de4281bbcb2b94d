// Snapshots of the whole keyspace into an RDB file, without fork and without stopping:
// SAVE, BGSAVE, the `save` schedule and the save at shutdown. The point in time is marked
// by holding every shard at once (as a keyspace-wide command does); then each shard saves
// its own keys on its own loop while it serves (shard_snapshot.hpp), and one writer thread
// puts them in the file (rdb_file_writer.hpp). Design: docs/redis.md, "Persistence".
#pragma once

#include "rdb_file_writer.hpp"
#include "shard_snapshot.hpp"

#include <corio/task.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace corio_redis {
class server;
}

namespace corio_redis::persist {

/// Where a snapshot goes and what it is for: BGSAVE's file (dir/dbfilename, counted by
/// LASTSAVE and the rdb_ fields), or an append-only rewrite's base, whose `at_point` runs on
/// each shard's loop at the point in time (the rewrite starts the shard's new log there).
struct snapshot_target {
    std::string dir, file;
    std::function<void(shard&)> at_point;
    bool rdb_save = true;
};

class snapshotter {
public:
    explicit snapshotter(server& srv);
    ~snapshotter();

    /// Called once the snapshot is on disk ("") or has failed (the reason), on the first
    /// loop's thread.
    using done_fn = std::function<void(const std::string& error)>;

    /// Starts a snapshot from a coroutine on loop `here`: returns once the point in time is
    /// marked (writes from then on are not in it), "" or Redis's error text; `done` (may be
    /// null) hears of the end.
    corio::task<std::string> start(std::size_t here, done_fn done);
    /// The same into another target (an append-only rewrite).
    corio::task<std::string> start_to(std::size_t here, done_fn done, snapshot_target target);
    /// The snapshot under way is an append-only rewrite's. Any thread.
    bool rewriting() const noexcept { return in_progress_.load() && !saving_rdb_.load(); }
    /// A snapshot from start to end (SAVE): "" once it is on disk, or the error.
    corio::task<std::string> save(std::size_t here);
    /// BGSAVE SCHEDULE while one runs: another starts when it ends. Any thread.
    void schedule() noexcept { scheduled_.store(true); }

    /// Starts the `save` schedule's check (10 times a second, on the first loop).
    void start_schedule();
    /// The save at shutdown, from a thread that is no loop's (the engine's on_shutdown
    /// hook): waits for a snapshot under way, then takes one. "" or the error.
    std::string save_blocking();

    // For INFO persistence and LASTSAVE (any thread).
    bool in_progress() const noexcept { return in_progress_.load(); }
    bool scheduled() const noexcept { return scheduled_.load(); }
    std::int64_t last_save_unix() const noexcept { return last_save_unix_.load(); }
    bool last_ok() const noexcept { return last_ok_.load(); }
    long long last_duration_seconds() const noexcept { return last_seconds_.load(); }
    long long current_seconds() const noexcept;
    std::uint64_t saves() const noexcept { return saves_.load(); }
    std::uint64_t changes_since_save() const noexcept;
    std::uint64_t keys_total() const noexcept { return keys_total_.load(); }
    std::uint64_t keys_processed() const noexcept { return keys_processed_.load(); }
    /// Keys loaded and skipped as expired by the last load (persist/startup_load.hpp).
    void note_load(std::uint64_t loaded, std::uint64_t expired) noexcept {
        load_loaded_.store(loaded);
        load_expired_.store(expired);
    }
    std::uint64_t load_loaded() const noexcept { return load_loaded_.load(); }
    std::uint64_t load_expired() const noexcept { return load_expired_.load(); }

private:
    corio::task<> walk(std::size_t shard);
    void part_done();
    void finished(const std::string& error);
    std::string header() const;
    std::uint64_t all_changes() const noexcept;

    server& srv_;
    // One snapshot at a time: in_progress_ guards the members below it until finished().
    std::atomic<bool> in_progress_{false}, scheduled_{false}, saving_rdb_{false};
    snapshot_target target_;
    std::unique_ptr<rdb_file_writer> writer_;
    std::vector<std::unique_ptr<shard_snapshot>> parts_;
    std::atomic<std::size_t> parts_left_{0};
    std::mutex done_mutex_;
    std::vector<done_fn> done_;
    std::chrono::steady_clock::time_point started_;
    std::uint64_t changes_at_start_ = 0;

    std::atomic<std::int64_t> last_save_unix_{0}, last_try_unix_{0};
    std::atomic<bool> last_ok_{true};
    std::atomic<long long> last_seconds_{-1};
    std::atomic<std::int64_t> started_unix_ms_{0};
    std::atomic<std::uint64_t> saves_{0}, changes_saved_{0}, keys_total_{0}, keys_processed_{0};
    std::atomic<std::uint64_t> load_loaded_{0}, load_expired_{0};
};

} // namespace corio_redis::persist
