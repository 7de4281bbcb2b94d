// corio-redis's configuration: redis-server's parameter names and syntax (a config file of
// "name value" lines, then --name value arguments), with an embedded default for every
// parameter, so the server starts with no file at all.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
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
    std::size_t proto_max_bulk_len() const noexcept {
        return proto_max_bulk_len_.load(std::memory_order_relaxed);
    }
    std::size_t client_query_buffer_limit() const noexcept {
        return client_query_buffer_limit_.load(std::memory_order_relaxed);
    }
    std::string loglevel() const { return value_of("loglevel"); }
    std::string logfile() const { return value_of("logfile"); }
    std::size_t maxclients() const noexcept { return maxclients_.load(std::memory_order_relaxed); }
    std::string config_file() const { return file_; }
    /// notify-keyspace-events as flags (notify.hpp), read by every write. Any thread.
    std::uint32_t notify_flags() const noexcept {
        return notify_flags_.load(std::memory_order_relaxed);
    }

private:
    std::string value_of(std::string_view name) const;
    void cache(const std::string& name, const std::string& value);

    mutable std::mutex mutex_;
    std::map<std::string, std::string, std::less<>> values_;
    std::string file_; // set once, by load_command_line
    std::atomic<std::size_t> proto_max_bulk_len_{0}, client_query_buffer_limit_{0}, maxclients_{0};
    std::atomic<std::uint32_t> notify_flags_{0};
};

/// Redis's glob matching (KEYS, CONFIG GET, PSUBSCRIBE): * ? [...] and \ escapes.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

/// Redis's memory sizes: "512mb", "1gb", "100" (bytes), "1k" (1000) ...; false if invalid.
bool parse_memory(std::string_view text, long long& out);

} // namespace corio_redis
