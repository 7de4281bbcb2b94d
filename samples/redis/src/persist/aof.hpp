// The append-only file (appendonly yes), in Redis 7's multi-part layout: a directory
// (appenddirname) holding a manifest, an RDB base file (the snapshot a rewrite wrote) and
// incremental files of RESP commands written since; one incremental file per shard, so that
// each loop logs its own keys (aof_log.hpp). With one loop the layout is exactly Redis's.
// At start-up the base is loaded and every incremental file replayed; a truncated last
// command (a crash) is dropped and logged, as Redis does with aof-load-truncated yes.
// Design: docs/redis.md, "Persistence".
#pragma once

#include "aof_log.hpp"

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
    bool enabled() const noexcept { return !logs_.empty(); }
    /// Shard i's log (enabled() only). Its loop only, but durable() and when_durable().
    aof_log& log(std::size_t shard) noexcept { return *logs_[shard]; }
    fsync_policy policy() const noexcept { return policy_; }

    // INFO persistence (any thread).
    std::uint64_t current_size() const noexcept;
    std::uint64_t base_size() const noexcept { return base_size_; }
    std::string last_write_error() const;

private:
    std::string dir_path() const;
    std::string manifest_path() const;
    std::string incr_name(std::uint64_t seq, std::size_t shard) const;
    void write_manifest(const std::string& base, std::uint64_t seq) const;

    server& srv_;
    fsync_policy policy_ = fsync_policy::everysec;
    std::string dir_, file_; // appenddirname, appendfilename (read at start)
    std::uint64_t seq_ = 1;  // the incremental files' number
    std::uint64_t base_size_ = 0;
    std::vector<std::unique_ptr<aof_log>> logs_;
};

} // namespace corio_redis::persist
