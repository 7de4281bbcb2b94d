// corio-redis's configuration: redis-server's parameter names and syntax (a config file of
// "name value" lines, then --name value arguments), with an embedded default for every
// parameter, so the server starts with no file at all.
#pragma once

#include "client_limits.hpp"

#include "db/access_clock.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio_redis {

/// maxmemory-policy.
enum class eviction_policy : std::uint8_t {
    noeviction,
    allkeys_lru,
    allkeys_lfu,
    allkeys_random,
    volatile_lru,
    volatile_lfu,
    volatile_random,
    volatile_ttl,
};

class config {
public:
    config(); // every parameter at its default

    /// Reads redis-server's command line: [config-file] [--name value ...]. Throws
    /// std::invalid_argument with redis-server's kind of message on a bad directive.
    void load_command_line(int argc, char** argv);
    /// One "name value..." directive; false (and `error` says why) if it is not valid.
    bool set(std::string_view name, const std::vector<std::string>& values, std::string& error);

    // Every accessor may be called from any thread: CONFIG SET on one loop may run while
    // the others read. The values are kept under a mutex (CONFIG GET/SET and start-up only);
    // what the request path reads on every batch is also kept in atomics.

    /// The current value as CONFIG GET shows it, or none for an unknown name.
    std::optional<std::string> get(std::string_view name) const;
    /// Names matching a glob pattern (CONFIG GET pattern), in sorted order.
    std::vector<std::string> matching(std::string_view pattern) const;

    std::uint16_t port() const;
    std::vector<std::string> bind() const;
    std::size_t databases() const;
    std::size_t loops() const;
    std::string requirepass() const { return value_of("requirepass"); }
    // ACL and access (acl/registry.hpp, protected_mode.hpp, main.cpp's TLS port).
    std::string aclfile() const { return value_of("aclfile"); }
    bool acl_pubsub_all() const { return value_of("acl-pubsub-default") == "allchannels"; }
    std::size_t acllog_max_len() const { return std::stoull(value_of("acllog-max-len")); }
    bool protected_mode() const { return value_of("protected-mode") == "yes"; }
    std::uint16_t tls_port() const {
        return static_cast<std::uint16_t>(std::stoi(value_of("tls-port")));
    }
    /// rename-command directives in order: (command, new name; empty: removed).
    std::vector<std::pair<std::string, std::string>> renamed_commands() const;
    /// The config file's "user" directives, each {"user", name, rules...}.
    std::vector<std::vector<std::string>> user_lines() const;
    std::size_t proto_max_bulk_len() const noexcept {
        return proto_max_bulk_len_.load(std::memory_order_relaxed);
    }
    std::size_t client_query_buffer_limit() const noexcept {
        return client_query_buffer_limit_.load(std::memory_order_relaxed);
    }
    std::string loglevel() const { return value_of("loglevel"); }
    std::string logfile() const { return value_of("logfile"); }
    std::size_t maxclients() const noexcept { return maxclients_.load(std::memory_order_relaxed); }
    /// From now on CONFIG SET maxclients is refused past what RLIMIT_NOFILE can be raised
    /// to (the start-up check, main.cpp, has fitted the configured value already).
    void check_open_files() noexcept { check_open_files_.store(true, std::memory_order_relaxed); }
    /// client-output-buffer-limit of one class. Any thread; read where replies are queued.
    output_limit output_limit_for(client_class c) const noexcept {
        const auto i = static_cast<std::size_t>(c);
        return {obuf_hard_[i].load(relaxed), obuf_soft_[i].load(relaxed),
                obuf_seconds_[i].load(relaxed)};
    }
    /// timeout: seconds a client may stay idle, 0 for ever. Any thread.
    long long idle_timeout() const noexcept { return idle_timeout_.load(relaxed); }
    /// tcp-keepalive: seconds, 0 off; applied to each accepted connection. Any thread.
    long long tcp_keepalive() const noexcept { return tcp_keepalive_.load(relaxed); }
    std::string config_file() const { return file_; }
    // Persistence (persist/). Any thread.
    std::string dir() const { return value_of("dir"); }
    std::string dbfilename() const { return value_of("dbfilename"); }
    bool rdbcompression() const { return value_of("rdbcompression") == "yes"; }
    bool rdbchecksum() const { return value_of("rdbchecksum") == "yes"; }
    /// `save`'s points: (seconds, changes) pairs; none when saving is off (save "").
    std::vector<std::pair<long long, long long>> save_points() const;
    /// notify-keyspace-events as flags (notify.hpp), read by every write. Any thread.
    std::uint32_t notify_flags() const noexcept {
        return notify_flags_.load(std::memory_order_relaxed);
    }

    /// CONFIG REWRITE: the config file again with every parameter's current value, keeping
    /// its comments and the lines of other directives (config_file.cpp). False (and `error`
    /// says why) if there is no file or it cannot be written.
    bool rewrite(std::string& error) const;

    // Copies of the parameters read on every command or every write, kept as relaxed atomics
    // so that reading them costs nothing and CONFIG SET on any loop is seen by all.
    long long slowlog_log_slower_than() const noexcept {
        return slowlog_slower_than_.load(relaxed);
    }
    long long slowlog_max_len() const noexcept { return slowlog_max_len_.load(relaxed); }
    long long latency_monitor_threshold() const noexcept {
        return latency_threshold_.load(relaxed);
    }
    /// Whether commands are timed: the slowlog or the latency monitor is on.
    bool timing_wanted() const noexcept {
        return slowlog_slower_than_.load(relaxed) >= 0 || latency_threshold_.load(relaxed) > 0;
    }
    long long hash_max_listpack_entries() const noexcept { return hash_max_entries_.load(relaxed); }
    long long hash_max_listpack_value() const noexcept { return hash_max_value_.load(relaxed); }
    long long set_max_intset_entries() const noexcept { return set_max_intset_.load(relaxed); }
    /// maxmemory-policy is one of the LFU ones (OBJECT FREQ works, OBJECT IDLETIME does not).
    bool lfu_policy() const noexcept { return lfu_.load(relaxed); }
    /// What keys' access fields hold (LRU or LFU) and the LFU parameters (db/access_clock.hpp).
    const db::access_policy& access_policy() const noexcept { return access_; }
    /// maxmemory in bytes (0: no limit), its policy and maxmemory-samples (eviction.hpp).
    std::size_t maxmemory() const noexcept { return maxmemory_.load(relaxed); }
    eviction_policy maxmemory_policy() const noexcept { return eviction_.load(relaxed); }
    int maxmemory_samples() const noexcept { return samples_.load(relaxed); }
    long long eviction_tenacity() const noexcept { return tenacity_.load(relaxed); }
    /// Redis shares the integers 0..9999 (OBJECT REFCOUNT 2147483647) unless a maxmemory
    /// is set with an LRU or LFU policy.
    bool shares_integers() const noexcept {
        return !maxmemory_set_.load(relaxed) || !(lfu_.load(relaxed) || lru_.load(relaxed));
    }

private:
    static constexpr auto relaxed = std::memory_order_relaxed;
    std::string value_of(std::string_view name) const;
    void refresh_cached(std::string_view name, const std::string& value);
    bool set_directive(const std::string& name, const std::vector<std::string>& values,
                       std::string& error);

    mutable std::mutex mutex_;
    std::map<std::string, std::string, std::less<>> values_;
    std::string file_;                                         // set once, by load_command_line
    std::vector<std::pair<std::string, std::string>> renames_; // rename-command
    std::vector<std::vector<std::string>> user_lines_;         // user
    std::atomic<std::size_t> proto_max_bulk_len_{0}, client_query_buffer_limit_{0}, maxclients_{0};
    std::atomic<std::uint32_t> notify_flags_{0};
    std::atomic<long long> slowlog_slower_than_{0}, slowlog_max_len_{0}, latency_threshold_{0};
    std::atomic<long long> hash_max_entries_{0}, hash_max_value_{0}, set_max_intset_{0};
    std::atomic<bool> maxmemory_set_{false}, lfu_{false}, lru_{false};
    std::atomic<std::size_t> maxmemory_{0};
    std::atomic<eviction_policy> eviction_{eviction_policy::noeviction};
    std::atomic<int> samples_{5};
    std::atomic<long long> tenacity_{10};
    db::access_policy access_;
    // Client limits (client_limits.hpp).
    std::atomic<bool> check_open_files_{false};
    std::atomic<std::uint64_t> obuf_hard_[client_class_count]{}, obuf_soft_[client_class_count]{};
    std::atomic<std::int64_t> obuf_seconds_[client_class_count]{};
    std::atomic<long long> idle_timeout_{0}, tcp_keepalive_{0};
    bool set_output_limits(const std::string& value, std::string& canonical, std::string& error);
};

/// Redis's glob matching (KEYS, CONFIG GET, PSUBSCRIBE): * ? [...] and \ escapes.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

/// A value in double quotes with Redis's escapes (sdscatrepr: \\ \" \n \r \t \a \b, and \xhh
/// for other unprintable bytes), as CONFIG REWRITE and MONITOR write values.
std::string quoted_repr(std::string_view v);

/// Redis's memory sizes: "512mb", "1gb", "100" (bytes), "1k" (1000) ...; false if invalid.
bool parse_memory(std::string_view text, long long& out);

} // namespace corio_redis
