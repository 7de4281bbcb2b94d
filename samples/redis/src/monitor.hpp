// MONITOR's clients: every command any client runs is sent to them as one line. The list is
// shared by all loops behind a mutex, taken only when a monitor joins or leaves and while
// some exist; without monitors a command pays one relaxed load.
#pragma once

#include "pubsub.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis {

class monitor_list {
public:
    /// Whether any client is monitoring. Any thread.
    bool active() const noexcept { return count_.load(std::memory_order_relaxed) != 0; }
    /// Adds a monitor (its client id names it); the lines reach it as deliveries do to
    /// subscribers, so its session checks its output limits. Any thread.
    void add(std::uint64_t id, subscriber_ptr target);
    /// Removes the monitor `id`, if it is one. Any thread.
    void remove(std::uint64_t id);
    /// Sends `line` to every monitor (each on its own loop). Any thread.
    void send(const std::string& line);

private:
    std::mutex mutex_;
    std::vector<std::pair<std::uint64_t, subscriber_ptr>> clients_;
    std::atomic<std::size_t> count_{0};
};

/// MONITOR's line for a command: `+<unix seconds>.<microseconds> [<db> <address>] "arg" ...`
/// with each argument quoted and escaped as Redis does, and AUTH's (and HELLO AUTH's)
/// credentials shown as "(redacted)".
std::string monitor_line(std::size_t db, std::string_view address, const std::string_view* args,
                         std::size_t count);

} // namespace corio_redis
