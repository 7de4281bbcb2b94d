// What INFO commandstats/errorstats/stats, SLOWLOG and LATENCY report, kept shared-nothing:
// each loop counts in its own loop_stats (relaxed atomics with that loop as the only writer,
// so a count is a plain load and store, and INFO on any loop can read them), and keeps its
// own slowlog, which SLOWLOG reads on that loop. Names (commands, subcommands, error codes)
// get ids from registries that are read without a lock.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis {

/// A count with one writer (its loop): no read-modify-write instruction is needed.
inline void bump(std::atomic<std::uint64_t>& a, std::uint64_t n = 1) noexcept {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

/// Names given dense ids on first use. Lookups take no lock: an entry is written once,
/// before the count that publishes it; only adding a name locks.
class name_registry {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    explicit name_registry(std::size_t capacity)
        : names_(std::make_unique<std::string[]>(capacity)), capacity_(capacity) {}

    /// The id of `name`, added if new; npos once the registry is full.
    std::size_t id_of(std::string_view name);
    std::size_t find(std::string_view name) const noexcept;
    std::size_t size() const noexcept { return count_.load(std::memory_order_acquire); }
    std::size_t capacity() const noexcept { return capacity_; }
    const std::string& name(std::size_t id) const noexcept { return names_[id]; }

private:
    std::unique_ptr<std::string[]> names_;
    std::size_t capacity_;
    std::atomic<std::size_t> count_{0};
    std::mutex adding_;
};

// Commands plus the subcommands seen so far; error codes (Redis also stops at 128).
constexpr std::size_t max_stat_names = 1024;
constexpr std::size_t max_error_codes = 128;

struct command_counters {
    std::atomic<std::uint64_t> calls{0}, usec{0}, rejected{0}, failed{0};
};

/// One SLOWLOG entry, as Redis keeps it (arguments already trimmed and redacted).
struct slowlog_entry {
    std::uint64_t id = 0;
    std::int64_t unix_time = 0;
    std::int64_t usec = 0;
    std::vector<std::string> args;
    std::string peer, client_name;
};

/// One loop's counters and slowlog.
struct loop_stats {
    loop_stats()
        : per_command(std::make_unique<command_counters[]>(max_stat_names)),
          per_error(std::make_unique<std::atomic<std::uint64_t>[]>(max_error_codes)) {}

    std::atomic<std::uint64_t> commands{0};          // total_commands_processed
    std::atomic<std::uint64_t> errors{0};            // total_error_replies
    std::atomic<std::uint64_t> writes{0};            // write commands: rdb_changes_since_last_save
    std::unique_ptr<command_counters[]> per_command; // by command/subcommand id
    std::unique_ptr<std::atomic<std::uint64_t>[]> per_error; // by error code id

    std::deque<slowlog_entry> slowlog; // newest first; only this loop touches it
};

/// The counters of every loop added up, less what CONFIG RESETSTAT saw (see server).
struct stats_totals {
    std::uint64_t commands = 0, errors = 0, writes = 0;
    std::uint64_t hits = 0, misses = 0, expired = 0;       // keyspace_hits/misses, expired_keys
    std::uint64_t evicted = 0;                             // evicted_keys
    std::vector<std::array<std::uint64_t, 4>> per_command; // calls, usec, rejected, failed
    std::vector<std::uint64_t> per_error;
};

/// LATENCY's samples: one series per event ("command", "fast-command"), the last 160
/// seconds that had a spike, as Redis keeps. Events are rare by definition (a command
/// slower than latency-monitor-threshold milliseconds), so one lock guards them all.
class latency_monitor {
public:
    struct sample {
        std::int64_t unix_time;
        std::uint64_t ms;
    };
    struct series {
        std::deque<sample> samples; // oldest first, at most 160
        std::uint64_t max_ms = 0;
    };
    void add(std::string_view event, std::int64_t unix_time, std::uint64_t ms);
    /// A copy of every series, by event name.
    std::map<std::string, series, std::less<>> snapshot() const;
    /// Forgets the named events (every event if `events` is empty); how many were known.
    std::size_t reset(std::span<const std::string_view> events);

private:
    mutable std::mutex mutex_;
    std::map<std::string, series, std::less<>> events_;
};

} // namespace corio_redis
