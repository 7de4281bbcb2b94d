// Client limits as redis-server 7.0 has them: client-output-buffer-limit's classes and its
// value syntax, the output-limit state of one client, the RLIMIT_NOFILE fit of maxclients
// and tcp-keepalive's socket options. The sessions apply them (session_limits.cpp).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio {
class engine;
}

namespace corio_redis {

class config;

/// The classes client-output-buffer-limit names ("slave" is Redis's older "replica").
/// MONITOR clients are normal, as in Redis; masters do not exist here.
enum class client_class : std::uint8_t { normal = 0, replica = 1, pubsub = 2 };
inline constexpr std::size_t client_class_count = 3;

struct output_limit {
    std::uint64_t hard = 0, soft = 0; // bytes; 0: none
    std::int64_t soft_seconds = 0;
    bool any() const noexcept { return hard != 0 || soft != 0; }
    bool operator==(const output_limit&) const = default;
};
using output_limits = std::array<output_limit, client_class_count>;

/// normal 0 0 0, replica 256mb 64mb 60, pubsub 32mb 8mb 60.
output_limits default_output_limits() noexcept;

/// Reads a client-output-buffer-limit value ("class hard soft seconds", repeated) into
/// `limits`; the classes it does not name keep their values. Nothing changes if any group
/// is wrong: false, with Redis's message in `error`. An empty value changes nothing.
bool parse_output_limits(std::string_view value, output_limits& limits, std::string& error);
/// CONFIG GET's form: every class, bytes, "slave" for replicas.
std::string output_limits_text(const output_limits& limits);
/// CONFIG REWRITE's lines, one per class in Redis's order (units as Redis writes them,
/// "replica"), each with whether it differs from the default.
std::vector<std::pair<std::string, bool>> output_limits_lines(const output_limits& limits);

/// The reply bytes the output limits (and CLIENT LIST's omem) count: what is pending past
/// the first 16 KB, which Redis keeps in a client's fixed buffer and does not count.
constexpr std::size_t reply_list_bytes(std::size_t pending) noexcept {
    constexpr std::size_t fixed_buffer = 16 * 1024;
    return pending > fixed_buffer ? pending - fixed_buffer : 0;
}

/// One client's output-limit state: when it went over its soft limit. Used on the client's
/// own loop only (its session and the deliveries posted there).
class output_guard {
public:
    using clock = std::chrono::steady_clock;
    /// True if `used` reply bytes break `limit`: at or over the hard limit, or at or over
    /// the soft limit for longer than its seconds (counted from the first check that saw it
    /// over; a check under it starts again). Reads the clock only when over the soft limit.
    bool broken(std::uint64_t used, const output_limit& limit) noexcept;

private:
    clock::time_point soft_since_{}; // epoch: not over the soft limit
};

/// What a delivery from another loop (PUBLISH, a keyspace event, MONITOR) tells the
/// receiving client's session once it has queued bytes on that client's connection: the
/// session then checks its output limits. Called on the client's own loop only.
class output_listener {
public:
    virtual void output_queued() = 0;

protected:
    ~output_listener() = default;
};

/// What RLIMIT_NOFILE allows for `wanted` clients, Redis's way: 32 descriptors are kept
/// for the server itself, and the soft limit is raised (as far as the hard limit and the
/// kernel let it, in steps of 16) if it is short.
struct fd_fit {
    std::size_t clients = 0;      // wanted, or fewer if the limit could not be raised
    std::uint64_t old_limit = 0;  // the soft limit before
    std::uint64_t new_limit = 0;  // the soft limit now
    std::uint64_t wanted_fds = 0; // wanted + 32
    int error = 0;                // errno of the last setrlimit that failed, if any
    bool changed() const noexcept { return new_limit != old_limit; }
};
fd_fit fit_open_files(std::size_t wanted);
inline constexpr std::size_t reserved_fds = 32;
/// At start-up: fits maxclients to RLIMIT_NOFILE as Redis does (fit_open_files), lowering
/// it if it must and logging what it did, then has CONFIG SET maxclients checked the same
/// way. False (logged) if not even one client fits.
bool fit_maxclients(config& cfg, const corio::engine& engine);

/// tcp-keepalive on an accepted TCP socket, as Redis sets it: SO_KEEPALIVE, the first probe
/// after `seconds` idle, then probes every seconds/3 (at least 1), 3 unanswered ones close
/// it. 0 leaves the socket as it is. Best effort: errors are ignored.
void apply_tcp_keepalive(int fd, long long seconds) noexcept;

} // namespace corio_redis
