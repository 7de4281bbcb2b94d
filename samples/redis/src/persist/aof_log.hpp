// One shard's append-only log: the shard's loop appends its writes as RESP commands during a
// turn and hands them over at the turn's end; a thread of the log's own writes them to the
// shard's incremental file and fsyncs as appendfsync says (always: before the replies of
// those writes leave, which wait for it; everysec: once a second; no: never). Each shard
// logs its own keys only, so no two loops share a file or a lock on the write path.
// Design: docs/redis.md, "Persistence".
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace corio_redis::persist {

enum class fsync_policy : std::uint8_t { always, everysec, no };

class aof_log {
public:
    /// Appends to `path` (made if absent). `post_to_loop` runs a function on the shard's loop
    /// (the turn-end hand-over). Throws std::system_error naming the file.
    aof_log(std::string path, fsync_policy policy,
            std::function<void(std::function<void()>)> post_to_loop);
    ~aof_log(); // writes and syncs what it holds, then stops its thread
    aof_log(const aof_log&) = delete;
    aof_log& operator=(const aof_log&) = delete;

    // ---- the shard's loop --------------------------------------------------------------
    /// Appends one command of database `db` (a SELECT goes first when the database changes).
    void append(std::size_t db, std::span<const std::string_view> args);
    /// The sequence number of the last append (0: none yet). Any thread (what another loop
    /// reads after a hop back from this one includes that hop's appends).
    std::uint64_t appended() const noexcept { return appended_.load(std::memory_order_relaxed); }
    /// From now on appends go to `path` (a rewrite's new incremental file): what was appended
    /// before is written to the old file first. Returns once the switch is queued.
    void switch_file(std::string path);
    void set_policy(fsync_policy p) noexcept { policy_.store(p); }

    // ---- any thread ---------------------------------------------------------------------
    /// The last sequence number written (and, under appendfsync always, fsynced).
    std::uint64_t durable() const noexcept { return durable_.load(std::memory_order_acquire); }
    /// Calls ready(true) (on any thread) once sequence `seq` is durable, at once if it is;
    /// ready(false) if writing failed (the write must not be acknowledged).
    void when_durable(std::uint64_t seq, std::function<void(bool)> ready);
    /// Bytes in the current file (INFO aof_current_size, auto-rewrite).
    std::uint64_t file_bytes() const noexcept { return file_bytes_.load(); }
    /// "" while every write succeeded, else the last error (INFO aof_last_write_status).
    std::string last_error() const;

private:
    struct chunk {
        std::string bytes;
        std::uint64_t last_seq = 0;
        std::string switch_to; // non-empty: open this file after writing `bytes`
    };
    void hand_over();
    void run();
    bool write_all(const std::string& bytes);
    void open_file(const std::string& path);

    std::function<void(std::function<void()>)> post_;
    std::atomic<fsync_policy> policy_;
    // The loop's side.
    std::string pending_;
    std::atomic<std::uint64_t> appended_{0};
    std::size_t db_ = static_cast<std::size_t>(-1);
    bool handover_posted_ = false;
    // Shared with the thread.
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<chunk> queue_;
    bool stopping_ = false;
    std::vector<std::pair<std::uint64_t, std::function<void(bool)>>> waiters_;
    std::string error_;
    std::atomic<std::uint64_t> durable_{0}, file_bytes_{0};
    // The thread's side.
    int fd_ = -1;
    std::string path_;
    std::uint64_t written_ = 0;
    std::chrono::steady_clock::time_point last_sync_{};
    std::thread thread_;
};

} // namespace corio_redis::persist
