// Loading the snapshot file (dir/dbfilename) into the shards at start-up, before any loop
// runs, as redis-server does before it accepts clients.
#pragma once

#include <cstdint>
#include <string>

namespace corio_redis {
class server;
}

namespace corio_redis::persist {

struct load_outcome {
    bool found = false; // false: there was no file (a first start)
    std::uint64_t loaded = 0, expired = 0;
    double seconds = 0;
    std::string path;
};

/// Loads the configured RDB file, if there is one, into srv's (empty) shards. Start-up
/// only, on the thread that made the server, before the engine starts. Throws
/// std::runtime_error saying what is wrong with a file that cannot be loaded: the server
/// then refuses to start, as Redis does, rather than serve without the data.
load_outcome load_snapshot(server& srv);

} // namespace corio_redis::persist
