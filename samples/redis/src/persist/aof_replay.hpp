// Reading the append-only directory at start-up: the manifest (Redis 7's format, plus the
// shard each incremental file belongs to), the base (an RDB file, or for a directory Redis
// wrote without aof-use-rdb-preamble, commands) and the incremental files, each replayed by
// the command implementations into a private shard of its own, then handed to the real ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio_redis {
class server;
struct shard;
} // namespace corio_redis

namespace corio_redis::persist {

struct aof_manifest {
    std::string base;                                      // the base file's name ("" if none)
    std::uint64_t seq = 1;                                 // the newest incremental files' number
    std::vector<std::pair<std::size_t, std::string>> incr; // (shard, file name), in order
    std::size_t shards = 1; // how many shards wrote the incremental files
};

/// Replays the RESP commands of one file (`name`, for errors) into `part`, as of `now_ms`;
/// returns the length of its whole commands (less than bytes.size() if the last is cut
/// short). Throws std::runtime_error on what is not RESP commands or names an unknown one.
std::size_t replay_commands(server& srv, shard& part, std::string_view bytes,
                            const std::string& name, std::int64_t now_ms);

/// Parses a manifest; throws std::runtime_error on one Redis would refuse too.
aof_manifest read_manifest(const std::string& text);

struct replay_result {
    std::uint64_t keys = 0;
    std::vector<std::string> warnings; // a truncated tail that was dropped, with Redis's words
};

/// Loads the base and replays the incremental files of `m` (in `dir`) into srv's shards
/// (start-up, before the loops run). A last file that ends in the middle of a command is cut
/// back to its last whole command when `load_truncated` (aof-load-truncated yes); anything
/// else malformed throws std::runtime_error naming the file.
replay_result replay_aof(server& srv, const std::string& dir, const aof_manifest& m,
                         bool load_truncated);

} // namespace corio_redis::persist
