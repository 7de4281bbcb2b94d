// The append-only file (appendonly yes), in Redis 7's multi-part layout: a directory
// (appenddirname) holding a manifest, an RDB base file (the snapshot a rewrite wrote) and
// incremental files of RESP commands written since; one incremental file per shard, so that
// each loop logs its own keys (aof_log.hpp). With one loop the layout is exactly Redis's.
// At start-up the base is loaded and every incremental file replayed; a truncated last
// command (a crash) is dropped and logged, as Redis does with aof-load-truncated yes.
// Design: docs/redis.md, "Persistence".
#pragma once

#include "aof_log.hpp"

#include <corio/task.hpp>

#include <atomic>
#include <mutex>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace corio_redis {
class server;
}

namespace corio_redis::persist {

class append_only_file {
public:
    explicit append_only_file(server& srv);
    ~append_only_file();

    /// Start-up, before the loops run: loads the files if appendonly is yes (making the
    /// directory, an empty base and the manifest on a first start), then opens one log per
    /// shard. Throws std::runtime_error on files that cannot be loaded. Returns the keys
    /// loaded (for the start-up log line).
    std::uint64_t start();
    /// Logging, and the files hold everything (any thread).
    bool enabled() const noexcept { return enabled_.load(); }
    /// CONFIG SET appendonly / appendfsync, from any loop: appendfsync applies at once;
    /// appendonly yes starts the logs with a rewrite (the base is everything so far; the
    /// files count once it is on disk), appendonly no stops them.
    void config_changed();
    /// Shard i's log (enabled() only). Its loop only, but durable() and when_durable().
    aof_log& log(std::size_t shard) noexcept { return *logs_[shard]; }
    fsync_policy policy() const noexcept { return policy_.load(); }

    /// BGREWRITEAOF, from a coroutine on loop `here`: a new base (a snapshot, without fork:
    /// snapshotter.hpp) and new incremental files from its point in time on; once the base
    /// is on disk the manifest names only them and the old files go. "" or Redis's error.
    /// With appendonly no there is nothing to rewrite: "" at once, as Redis replies.
    corio::task<std::string> rewrite(std::size_t here);
    /// BGREWRITEAOF while a snapshot runs: the rewrite starts after it. Any thread.
    void schedule_rewrite() noexcept { rewrite_scheduled_.store(true); }
    /// A rewrite is asked for (scheduled, or auto-aof-rewrite-percentage's growth past
    /// auto-aof-rewrite-min-size); takes the request. Any thread.
    bool take_rewrite_request();

    // INFO persistence (any thread).
    bool rewrite_scheduled() const noexcept { return rewrite_scheduled_.load(); }
    std::uint64_t rewrites() const noexcept { return rewrites_.load(); }
    bool last_rewrite_ok() const noexcept { return last_rewrite_ok_.load(); }
    long long last_rewrite_seconds() const noexcept { return last_rewrite_seconds_.load(); }
    long long current_rewrite_seconds() const noexcept;
    std::uint64_t current_size() const noexcept;
    std::uint64_t base_size() const noexcept { return base_size_.load(); }
    std::string last_write_error() const;

private:
    std::string dir_path() const;
    std::string manifest_path() const;
    std::string incr_name(std::uint64_t seq, std::size_t shard) const;
    void write_manifest(const std::string& base, std::uint64_t seq) const;
    void write_manifest_of(const std::string& base,
                           const std::vector<std::pair<std::size_t, std::string>>& incr) const;
    void rewrite_done(std::uint64_t next, const std::string& error);

    server& srv_;
    std::atomic<fsync_policy> policy_{fsync_policy::everysec};
    std::atomic<bool> enabled_{false}, switching_{false}, want_on_{false};
    corio::task<> turn_on();
    void turn_off();
    void set_names();
    std::string dir_, file_; // appenddirname, appendfilename (read at start)
    std::uint64_t seq_ = 1;  // the incremental files' number
    std::atomic<std::uint64_t> base_size_{0};
    std::vector<std::unique_ptr<aof_log>> logs_;
    // What the manifest names now (rewrites change it, under files_mutex_).
    mutable std::mutex files_mutex_; // also guards logs_ while they are made or dropped
    std::string base_name_;
    std::vector<std::pair<std::size_t, std::string>> incr_files_; // (shard, name)
    std::atomic<bool> rewrite_scheduled_{false}, last_rewrite_ok_{true};
    std::atomic<std::uint64_t> rewrites_{0};
    std::atomic<long long> last_rewrite_seconds_{-1};
    std::atomic<std::int64_t> rewrite_started_ms_{0}; // 0: no rewrite under way
};

} // namespace corio_redis::persist
