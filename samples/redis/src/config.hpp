// corio-redis's configuration: redis-server's parameter names and syntax (a config file of
// "name value" lines, then --name value arguments), with an embedded default for every
// parameter, so the server starts with no file at all.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis {

class config {
public:
    config(); // every parameter at its default

    /// Reads redis-server's command line: [config-file] [--name value ...]. Throws
    /// std::invalid_argument with redis-server's kind of message on a bad directive.
    void load_command_line(int argc, char** argv);
    /// One "name value..." directive; false (and `error` says why) if it is not valid.
    bool set(std::string_view name, const std::vector<std::string>& values, std::string& error);

    /// The current value as CONFIG GET shows it, or null for an unknown name.
    const std::string* get(std::string_view name) const;
    /// Names matching a glob pattern (CONFIG GET pattern), in sorted order.
    std::vector<std::string> matching(std::string_view pattern) const;

    std::uint16_t port() const;
    std::vector<std::string> bind() const;
    std::size_t databases() const;
    std::size_t loops() const;
    const std::string& requirepass() const { return values_.at("requirepass"); }
    std::size_t proto_max_bulk_len() const;
    std::size_t client_query_buffer_limit() const;
    std::string loglevel() const { return values_.at("loglevel"); }
    std::string logfile() const { return values_.at("logfile"); }
    std::size_t maxclients() const;
    std::string config_file() const { return file_; }

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
    /// Redis shares the integers 0..9999 (OBJECT REFCOUNT 2147483647) unless a maxmemory
    /// is set with an LRU or LFU policy.
    bool shares_integers() const noexcept {
        return !maxmemory_set_.load(relaxed) || !(lfu_.load(relaxed) || lru_.load(relaxed));
    }

private:
    static constexpr auto relaxed = std::memory_order_relaxed;
    void refresh_cached(std::string_view name, const std::string& value);

    std::map<std::string, std::string, std::less<>> values_;
    std::string file_;
    std::atomic<long long> slowlog_slower_than_{0}, slowlog_max_len_{0}, latency_threshold_{0};
    std::atomic<long long> hash_max_entries_{0}, hash_max_value_{0}, set_max_intset_{0};
    std::atomic<bool> maxmemory_set_{false}, lfu_{false}, lru_{false};
};

/// Redis's glob matching (KEYS, CONFIG GET, PSUBSCRIBE): * ? [...] and \ escapes.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

/// Redis's memory sizes: "512mb", "1gb", "100" (bytes), "1k" (1000) ...; false if invalid.
bool parse_memory(std::string_view text, long long& out);

} // namespace corio_redis
