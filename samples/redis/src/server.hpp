// The server: configuration, the shards (one per loop), the command table and the counters
// INFO shows. Shared by every connection; everything mutable in it is either per shard
// (touched on that shard's loop) or atomic.
#pragma once

#include "acl/registry.hpp"
#include "client_pause.hpp"
#include "command.hpp"
#include "config.hpp"
#include "monitor.hpp"
#include "persist/aof.hpp"
#include "persist/snapshotter.hpp"
#include "shard.hpp"
#include "stats.hpp"

#include <corio/engine.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace corio_redis {

using command_table = std::unordered_map<std::string, command_spec>;

// Each family registers its commands (commands/*.cpp).
void register_connection_commands(command_table& t);
void register_string_commands(command_table& t);
void register_key_commands(command_table& t);
void register_server_commands(command_table& t);
void register_list_commands(command_table& t);
void register_hash_commands(command_table& t);
void register_set_commands(command_table& t);
void register_bitmap_commands(command_table& t);
void register_introspection_commands(command_table& t); // OBJECT, MEMORY, DEBUG
void register_slowlog_commands(command_table& t);       // SLOWLOG, LATENCY
void register_function_commands(command_table& t);      // FUNCTION, LOLWUT
void register_persistence_commands(command_table& t);   // SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE
void register_acl_commands(command_table& t);           // ACL

class server {
public:
    server(corio::engine& engine, config& cfg);

    /// The spec for a command name in any case, or null. Any thread.
    const command_spec* lookup(std::string_view name) const;
    const command_table& commands() const noexcept { return commands_; }

    std::size_t shard_count() const noexcept { return shards_.size(); }
    shard& shard_at(std::size_t i) noexcept { return *shards_[i]; }
    std::size_t shard_of(std::string_view key) const noexcept {
        return shard_index(key, shards_.size());
    }
    config& cfg() noexcept { return cfg_; }
    corio::engine& engine() noexcept { return engine_; }

    std::uint64_t next_client_id() noexcept { return ++last_client_id_; }
    /// A fresh id for a multi-shard operation (never 0). Any thread.
    std::uint64_t next_operation_id() noexcept { return ++last_operation_id_; }

    /// The ACL users (acl/registry.hpp). Any thread.
    acl::registry& acl() noexcept { return acl_; }

    /// CLIENT PAUSE's state, checked before every command.
    client_pause& pause() noexcept { return pause_; }

    /// RDB snapshots: SAVE, BGSAVE, the schedule, INFO persistence (any thread).
    persist::snapshotter& snapshots() noexcept { return *snapshots_; }
    const persist::snapshotter& snapshots() const noexcept { return *snapshots_; }
    /// The append-only file (appendonly yes): its logs, INFO's aof fields.
    persist::append_only_file& aof() noexcept { return *aof_; }
    const persist::append_only_file& aof() const noexcept { return *aof_; }
    /// What SHUTDOWN asked of the save at shutdown (any thread).
    enum class shutdown_save : int { configured, save, nosave };
    std::atomic<shutdown_save> shutdown_mode{shutdown_save::configured};
    /// The engine's on_shutdown hook: the final save, if wanted (SHUTDOWN SAVE, or a
    /// configured schedule), on the calling thread (no loop's). False if it failed.
    bool save_at_shutdown();

    /// Starts active expiry on every shard (a ticker per loop). Call once, before run.
    void start_expiry();

    // ---- statistics (stats.hpp): per loop, summed when read --------------------------
    loop_stats& stats_at(std::size_t loop) noexcept { return *stats_[loop]; }
    name_registry& stat_names() noexcept { return stat_names_; }
    const name_registry& stat_names() const noexcept { return stat_names_; }
    name_registry& error_codes() noexcept { return error_codes_; }
    const name_registry& error_codes() const noexcept { return error_codes_; }
    latency_monitor& latency() noexcept { return latency_; }
    /// SLOWLOG's ids, in logging order across loops (taken only when an entry is logged).
    std::uint64_t next_slowlog_id() noexcept {
        return slowlog_ids_.fetch_add(1, std::memory_order_relaxed);
    }
    /// The commandstats slot of a container's subcommand ("config|get"), npos if full.
    std::size_t subcommand_stat(const command_spec& spec, std::string_view sub);
    /// Every loop's counters added up, since the last CONFIG RESETSTAT. Any thread.
    stats_totals totals() const;
    /// CONFIG RESETSTAT: the counters' present values become their zero. Any thread.
    void reset_stats();

    std::atomic<bool> active_expire{true}; // DEBUG SET-ACTIVE-EXPIRE
    const std::int64_t started_unix_ms;    // rdb_last_save_time: nothing was saved since
    std::size_t memory_startup = 0;        // allocated bytes once the server was made
    std::atomic<std::size_t> memory_peak{0};

    // Counters for INFO (any thread).
    std::atomic<std::uint64_t> total_connections{0};
    std::atomic<std::uint64_t> connected_clients{0};
    /// The clients in MONITOR mode (any thread).
    monitor_list& monitors() noexcept { return monitors_; }
    std::atomic<std::uint64_t> rejected_connections{0};
    // Clients closed for client-output-buffer-limit / client-query-buffer-limit (INFO stats,
    // under Redis 7.2's names: 7.0 counts them nowhere).
    std::atomic<std::uint64_t> client_output_buffer_limit_disconnections{0};
    std::atomic<std::uint64_t> client_query_buffer_limit_disconnections{0};
    std::atomic<std::uint64_t> blocked_clients{0}; // blocking pops and paused clients
    // Blocking pops that have a timeout.
    std::atomic<std::uint64_t> clients_in_timeout_table{0};
    const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

private:
    corio::engine& engine_;
    config& cfg_;
    std::vector<std::unique_ptr<shard>> shards_;
    command_table commands_;
    std::atomic<std::uint64_t> last_client_id_{0};
    std::atomic<std::uint64_t> last_operation_id_{0};
    client_pause pause_;
    monitor_list monitors_;
    std::unique_ptr<persist::snapshotter> snapshots_;
    std::unique_ptr<persist::append_only_file> aof_;
    acl::registry acl_;
    void apply_renames(); // rename-command

    stats_totals raw_totals() const;
    name_registry stat_names_{max_stat_names};
    name_registry error_codes_{max_error_codes};
    std::vector<std::unique_ptr<loop_stats>> stats_;
    latency_monitor latency_;
    std::atomic<std::uint64_t> slowlog_ids_{0};
    mutable std::mutex baseline_mutex_; // RESETSTAT and INFO only, never a command's path
    stats_totals baseline_;
};

/// Serves one client connection until it closes (the engine's handler).
corio::task<> serve_client(server& srv, corio::connection& conn);
/// Starts the once-a-second client checks on every loop (timeout, the output limits' soft
/// seconds: session_limits.cpp). Call once, before run.
void start_client_checks(server& srv);

} // namespace corio_redis
