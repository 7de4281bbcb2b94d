// MONITOR's feed from a session: the line for a command this client ran, sent to every
// monitor (monitor.hpp).
#include "session.hpp"

namespace corio_redis::detail {

void session::feed_monitors(const parsed_command& c) {
    if (!srv_.monitors().active()) return;
    srv_.monitors().send(monitor_line(client_.db, peer(), c.argv, c.arg_count));
}

} // namespace corio_redis::detail
