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
    /// notify-keyspace-events as flags (notify.hpp), read by every write. Any thread.
    std::uint32_t notify_flags() const noexcept {
        return notify_flags_.load(std::memory_order_relaxed);
    }

private:
    std::map<std::string, std::string, std::less<>> values_;
    std::string file_;
    std::atomic<std::uint32_t> notify_flags_{0};
};

/// Redis's glob matching (KEYS, CONFIG GET, PSUBSCRIBE): * ? [...] and \ escapes.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

/// Redis's memory sizes: "512mb", "1gb", "100" (bytes), "1k" (1000) ...; false if invalid.
bool parse_memory(std::string_view text, long long& out);

} // namespace corio_redis
