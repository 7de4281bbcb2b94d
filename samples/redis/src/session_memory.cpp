// maxmemory before a command runs (eviction.hpp): evict on this loop's shard, and refuse
// what would add data when nothing is left to evict, with Redis's OOM error.
#include "eviction.hpp"
#include "session.hpp"

namespace corio_redis::detail {

bool session::refuse_over_memory(const parsed_command& c, std::size_t loop) {
    make_room(srv_, srv_.shard_at(loop), unix_ms());
    if (!(c.spec->flags & cmd_denyoom) || !out_of_memory(srv_)) return false;
    out_.error("OOM command not allowed when used memory > 'maxmemory'.");
    return true;
}

} // namespace corio_redis::detail
