// INFO's memory, persistence, stats, cpu, commandstats and errorstats sections, with Redis
// 7.0's field names and corio-redis's own figures; see info_sections.hpp.
#include "info_sections.hpp"

#include "../process_info.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <utility>
#include <vector>

namespace corio_redis {

std::string info_memory(server& srv) {
    const std::size_t used = allocated_bytes();
    std::size_t peak = srv.memory_peak.load();
    while (used > peak && !srv.memory_peak.compare_exchange_weak(peak, used)) {
    }
    peak = std::max(peak, used);
    const std::size_t rss = resident_bytes(), held = allocator_held_bytes();
    const std::size_t startup = srv.memory_startup, system = system_memory_bytes();
    // Overhead, as MEMORY STATS estimates it: what the server had at its start, the key
    // tables' bucket slots (about one per key) and the expiry records.
    std::size_t overhead = startup;
    for (std::size_t s = 0; s < srv.shard_count(); ++s)
        for (const auto& d : srv.shard_at(s).dbs)
            overhead += d.size_seen() * sizeof(void*) + d.expiring_seen() * (64 + sizeof(void*));
    const std::size_t net = used > startup ? used - startup : 0;
    const std::size_t dataset = used > overhead ? used - overhead : 0;
    long long maxmemory = 0;
    parse_integer(*srv.cfg().get("maxmemory"), maxmemory);
    const auto ratio = [](std::size_t a, std::size_t b) {
        return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
    };
    return fmt::format(
        "# Memory\r\n"
        "used_memory:{}\r\nused_memory_human:{}\r\n"
        "used_memory_rss:{}\r\nused_memory_rss_human:{}\r\n"
        "used_memory_peak:{}\r\nused_memory_peak_human:{}\r\nused_memory_peak_perc:{:.2f}%\r\n"
        "used_memory_overhead:{}\r\nused_memory_startup:{}\r\n"
        "used_memory_dataset:{}\r\nused_memory_dataset_perc:{:.2f}%\r\n"
        "allocator_allocated:{}\r\nallocator_resident:{}\r\n"
        "total_system_memory:{}\r\ntotal_system_memory_human:{}\r\n"
        "number_of_cached_scripts:0\r\nnumber_of_functions:0\r\nnumber_of_libraries:0\r\n"
        "maxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\n"
        "allocator_frag_ratio:{:.2f}\r\nallocator_frag_bytes:{}\r\n"
        "mem_fragmentation_ratio:{:.2f}\r\nmem_fragmentation_bytes:{}\r\n"
        "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
        "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_aof_buffer:0\r\n"
        "mem_allocator:libc\r\nactive_defrag_running:0\r\nlazyfree_pending_objects:0\r\n"
        "lazyfreed_objects:0\r\n",
        used, human_bytes(used), rss, human_bytes(rss), peak, human_bytes(peak),
        100.0 * ratio(used, peak), overhead, startup, dataset, 100.0 * ratio(dataset, net), used,
        rss, system, human_bytes(system), maxmemory,
        human_bytes(static_cast<std::size_t>(maxmemory)), *srv.cfg().get("maxmemory-policy"),
        ratio(held, used), static_cast<long long>(held) - static_cast<long long>(used),
        ratio(rss, used), static_cast<long long>(rss) - static_cast<long long>(used));
}

std::string info_persistence(server& srv, const stats_totals&) {
    const persist::snapshotter& snap = srv.snapshots();
    const persist::append_only_file& aof = srv.aof();
    const bool saving = snap.in_progress() && !snap.rewriting();
    // No fork, so nothing is copied on write: the cow fields stay 0 (a snapshot's extra
    // memory is its serialized chunks waiting for the disk, bounded by the writer).
    return fmt::format(
        "# Persistence\r\n"
        "loading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\n"
        "current_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\n"
        "current_save_keys_processed:{}\r\ncurrent_save_keys_total:{}\r\n"
        "rdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\n"
        "rdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\n"
        "rdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{}\r\n"
        "rdb_saves:{}\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:{}\r\n"
        "rdb_last_load_keys_loaded:{}\r\naof_enabled:{}\r\n"
        "aof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\n"
        "aof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{}\r\n"
        "aof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\n"
        "aof_rewrites_consecutive_failures:0\r\naof_last_write_status:{}\r\n"
        "aof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\n"
        "module_fork_last_cow_size:0\r\n{}",
        saving ? snap.keys_processed() : 0, saving ? snap.keys_total() : 0,
        snap.changes_since_save(), saving ? 1 : 0, snap.last_save_unix(),
        snap.last_ok() ? "ok" : "err", snap.last_duration_seconds(), snap.current_seconds(),
        snap.saves(), snap.load_expired(), snap.load_loaded(), aof.enabled() ? 1 : 0,
        snap.rewriting() ? 1 : 0, aof.rewrite_scheduled() ? 1 : 0, aof.last_rewrite_seconds(),
        aof.current_rewrite_seconds(), aof.last_rewrite_ok() ? "ok" : "err", aof.rewrites(),
        aof.last_write_error().empty() ? "ok" : "err",
        aof.enabled() ? fmt::format("aof_current_size:{}\r\naof_base_size:{}\r\n"
                                    "aof_pending_rewrite:0\r\naof_buffer_length:0\r\n"
                                    "aof_pending_bio_fsync:0\r\naof_delayed_fsync:0\r\n",
                                    aof.current_size(), aof.base_size())
                      : std::string());
}

std::string info_stats(server& srv, const stats_totals& t) {
    return fmt::format("# Stats\r\ntotal_connections_received:{}\r\n"
                       "total_commands_processed:{}\r\nrejected_connections:{}\r\n"
                       "expired_keys:{}\r\nevicted_keys:{}\r\nevicted_clients:0\r\n"
                       "keyspace_hits:{}\r\nkeyspace_misses:{}\r\ntotal_forks:0\r\n"
                       "unexpected_error_replies:0\r\ntotal_error_replies:{}\r\n"
                       // Redis 7.2's fields (7.0 has none): the clients closed for their limits.
                       "client_query_buffer_limit_disconnections:{}\r\n"
                       "client_output_buffer_limit_disconnections:{}\r\n",
                       srv.total_connections.load(), t.commands, srv.rejected_connections.load(),
                       t.expired, t.evicted, t.hits, t.misses, t.errors,
                       srv.client_query_buffer_limit_disconnections.load(),
                       srv.client_output_buffer_limit_disconnections.load());
}

std::string info_cpu() {
    cpu_times c = process_cpu_times();
    return fmt::format("# CPU\r\nused_cpu_sys:{:.6f}\r\nused_cpu_user:{:.6f}\r\n"
                       "used_cpu_sys_children:{:.6f}\r\nused_cpu_user_children:{:.6f}\r\n",
                       c.sys, c.user, c.children_sys, c.children_user);
}

std::string info_commandstats(const server& srv, const stats_totals& t) {
    std::string text = "# Commandstats\r\n";
    for (std::size_t i = 0; i < t.per_command.size(); ++i) {
        const auto& [calls, usec, rejected, failed] = t.per_command[i];
        if (calls == 0 && rejected == 0 && failed == 0) continue;
        text += fmt::format("cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},"
                            "failed_calls={}\r\n",
                            srv.stat_names().name(i), calls, usec,
                            calls ? static_cast<double>(usec) / static_cast<double>(calls) : 0.0,
                            rejected, failed);
    }
    return text;
}

std::string info_errorstats(const server& srv, const stats_totals& t) {
    // In the codes' byte order, as Redis lists them.
    std::vector<std::pair<std::string_view, std::uint64_t>> codes;
    for (std::size_t i = 0; i < t.per_error.size(); ++i)
        if (t.per_error[i] != 0) codes.emplace_back(srv.error_codes().name(i), t.per_error[i]);
    std::sort(codes.begin(), codes.end());
    std::string text = "# Errorstats\r\n";
    for (const auto& [code, count] : codes)
        text += fmt::format("errorstat_{}:count={}\r\n", code, count);
    return text;
}

} // namespace corio_redis
