// Parameters, their defaults (the embedded default config) and their checks. Names and
// defaults are redis-server 7.0's; parameters corio has no use for are accepted and echoed
// back by CONFIG GET, because clients and tools set them.
#include "config.hpp"
#include "ascii.hpp"
#include "config_detail.hpp"

#include "notify.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace corio_redis {
namespace config_detail {
namespace {

constexpr long long no_limit = std::numeric_limits<long long>::max();

// clang-format off
constexpr parameter parameters[] = {
    {"port", kind::integer, "6379", 0, 65535},
    {"bind", kind::text, "127.0.0.1"},
    {"databases", kind::integer, "16", 1, 1 << 20},
    {"requirepass", kind::text, ""},
    // ACL (acl/registry.hpp); the aclfile is read at start-up and by ACL LOAD.
    {"aclfile", kind::text, ""},
    {"acllog-max-len", kind::integer, "128", 0, no_limit},
    {"acl-pubsub-default", kind::choice, "resetchannels", 0, 0, "allchannels resetchannels"},
    // The TLS port (main.cpp), beside the plain one; files are PEM.
    {"tls-port", kind::integer, "0", 0, 65535},
    {"tls-cert-file", kind::text, ""},
    {"tls-key-file", kind::text, ""},
    {"tls-ca-cert-file", kind::text, ""},
    {"tls-auth-clients", kind::choice, "yes", 0, 0, "yes no optional"},
    {"maxclients", kind::integer, "10000", 1, 4294967295ll},
    {"loglevel", kind::choice, "notice", 0, 0, "debug verbose notice warning nothing"},
    {"logfile", kind::text, ""},
    {"daemonize", kind::choice, "no", 0, 0, "no"},
    {"loops", kind::integer, "0", 0, 1024},
    {"proto-max-bulk-len", kind::memory, "536870912", 1024 * 1024, 1ll << 40},
    {"client-query-buffer-limit", kind::memory, "1073741824", 1024 * 1024, no_limit},
    {"timeout", kind::integer, "0", 0, 2147483647},
    {"tcp-keepalive", kind::integer, "300", 0, 2147483647},
    {"tcp-backlog", kind::integer, "511", 0, 1ll << 31},
    {"protected-mode", kind::boolean, "yes"},
    {"hz", kind::integer, "10", 1, 500},
    {"dynamic-hz", kind::boolean, "yes"},
    {"save", kind::text, "3600 1 300 100 60 10000"},
    {"appendonly", kind::boolean, "no"},
    {"appendfsync", kind::choice, "everysec", 0, 0, "always everysec no"},
    {"appenddirname", kind::text, "appendonlydir"},
    {"appendfilename", kind::text, "appendonly.aof"},
    {"dbfilename", kind::text, "dump.rdb"},
    {"dir", kind::text, "."},
    {"maxmemory", kind::memory, "0", 0, 1ll << 62},
    {"maxmemory-policy", kind::choice, "noeviction", 0, 0,
     "noeviction allkeys-lru allkeys-lfu allkeys-random volatile-lru volatile-lfu "
     "volatile-random volatile-ttl"},
    {"maxmemory-samples", kind::integer, "5", 1, 2147483647},
    {"maxmemory-eviction-tenacity", kind::integer, "10", 0, 100},
    {"lfu-log-factor", kind::integer, "10", 0, 2147483647},
    {"lfu-decay-time", kind::integer, "1", 0, 2147483647},
    {"notify-keyspace-events", kind::text, ""},
    {"lazyfree-lazy-eviction", kind::boolean, "no"},
    {"lazyfree-lazy-expire", kind::boolean, "no"},
    {"lazyfree-lazy-server-del", kind::boolean, "no"},
    {"lazyfree-lazy-user-del", kind::boolean, "no"},
    {"lazyfree-lazy-user-flush", kind::boolean, "no"},
    {"replica-lazy-flush", kind::boolean, "no"},
    // 512: Redis 7.0.15's default (its redis.conf still says 128).
    {"hash-max-listpack-entries", kind::integer, "512", 0, no_limit},
    {"hash-max-listpack-value", kind::memory, "64", 0, no_limit},
    {"hash-max-ziplist-entries", kind::integer, "512", 0, no_limit},
    {"hash-max-ziplist-value", kind::memory, "64", 0, no_limit},
    {"list-max-listpack-size", kind::integer, "-2", -5, 1ll << 40},
    {"list-max-ziplist-size", kind::integer, "-2", -5, 1ll << 40},
    {"list-compress-depth", kind::integer, "0", 0, 1ll << 40},
    {"set-max-intset-entries", kind::integer, "512", 0, no_limit},
    {"zset-max-listpack-entries", kind::integer, "128", 0, 1ll << 40},
    {"zset-max-listpack-value", kind::integer, "64", 0, 1ll << 40},
    {"zset-max-ziplist-entries", kind::integer, "128", 0, 1ll << 40},
    {"zset-max-ziplist-value", kind::integer, "64", 0, 1ll << 40},
    {"activerehashing", kind::boolean, "yes"},
    {"slowlog-log-slower-than", kind::integer, "10000", -1, no_limit},
    {"slowlog-max-len", kind::integer, "128", 0, no_limit},
    {"latency-monitor-threshold", kind::integer, "0", 0, no_limit},
    {"latency-tracking", kind::boolean, "yes"},
    {"latency-tracking-info-percentiles", kind::text, "50 99 99.9"},
    {"busy-reply-threshold", kind::integer, "5000", 0, 1ll << 40},
    {"lua-time-limit", kind::integer, "5000", 0, 1ll << 40},
    {"stop-writes-on-bgsave-error", kind::boolean, "yes"},
    {"rdbcompression", kind::boolean, "yes"},
    {"rdbchecksum", kind::boolean, "yes"},
    {"aof-use-rdb-preamble", kind::boolean, "yes"},
    {"aof-load-truncated", kind::boolean, "yes"},
    {"auto-aof-rewrite-percentage", kind::integer, "100", 0, 2147483647},
    {"auto-aof-rewrite-min-size", kind::memory, "67108864", 0, 1ll << 62},
    {"io-threads", kind::integer, "1", 1, 128},
    {"client-output-buffer-limit", kind::text,
     "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
    {"supervised", kind::choice, "no", 0, 0, "no auto upstart systemd"},
    {"pidfile", kind::text, ""},
    {"always-show-logo", kind::boolean, "no"},
    {"set-proc-title", kind::boolean, "yes"},
    {"appendfsync-no-rewrite", kind::text, "no"},
    {"unixsocket", kind::text, ""},
    {"unixsocketperm", kind::integer, "0", 0, 0777},
    {"enable-debug-command", kind::choice, "no", 0, 0, "no yes local"},
    {"active-expire-effort", kind::integer, "1", 1, 10},
};
// clang-format on

// Redis 7.0 renamed these; the old names still work, as the same parameters.
constexpr std::pair<std::string_view, std::string_view> aliases[] = {
    {"hash-max-ziplist-entries", "hash-max-listpack-entries"},
    {"hash-max-ziplist-value", "hash-max-listpack-value"},
    {"zset-max-ziplist-entries", "zset-max-listpack-entries"},
    {"zset-max-ziplist-value", "zset-max-listpack-value"},
    {"list-max-ziplist-size", "list-max-listpack-size"},
};

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

std::span<const parameter> all_parameters() {
    return parameters;
}

const parameter* find_parameter(std::string_view name) {
    for (const auto& p : parameters)
        if (p.name == name) return &p;
    return nullptr;
}

std::string_view alias_of(std::string_view name) {
    for (auto [old_name, new_name] : aliases) {
        if (name == old_name) return new_name;
        if (name == new_name) return old_name;
    }
    return {};
}

std::string_view canonical_name(std::string_view name) {
    for (auto [old_name, new_name] : aliases)
        if (name == old_name) return new_name;
    return name;
}

bool split_line(std::string_view line, std::vector<std::string>& words) {
    words.clear();
    std::size_t i = 0;
    const std::size_t n = line.size();
    auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    for (;;) {
        while (i < n && blank(line[i])) ++i;
        if (i >= n) return true;
        std::string word;
        bool in_double = false, in_single = false;
        for (;;) {
            if (in_double) {
                if (i >= n) return false;
                char c = line[i];
                if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && hex_digit(line[i + 2]) >= 0 &&
                    hex_digit(line[i + 3]) >= 0) {
                    word += static_cast<char>(hex_digit(line[i + 2]) * 16 + hex_digit(line[i + 3]));
                    i += 4;
                    continue;
                }
                if (c == '\\' && i + 1 < n) {
                    char e = line[i + 1];
                    word += e == 'n'   ? '\n'
                            : e == 'r' ? '\r'
                            : e == 't' ? '\t'
                            : e == 'b' ? '\b'
                            : e == 'a' ? '\a'
                                       : e;
                    i += 2;
                    continue;
                }
                if (c == '"') {
                    ++i;
                    if (i < n && !blank(line[i])) return false; // a closing quote must end the word
                    in_double = false;
                    break;
                }
                word += c;
                ++i;
            } else if (in_single) {
                if (i >= n) return false;
                char c = line[i];
                if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
                    word += '\'';
                    i += 2;
                    continue;
                }
                if (c == '\'') {
                    ++i;
                    if (i < n && !blank(line[i])) return false;
                    in_single = false;
                    break;
                }
                word += c;
                ++i;
            } else {
                if (i >= n || blank(line[i])) break;
                if (line[i] == '"') {
                    in_double = true;
                } else if (line[i] == '\'') {
                    in_single = true;
                } else {
                    word += line[i];
                }
                ++i;
            }
        }
        words.push_back(std::move(word));
    }
}

} // namespace config_detail

namespace {

using config_detail::find_parameter;
using config_detail::kind;
using config_detail::parameter;

bool parse_int(std::string_view s, long long& out) {
    if (s.empty()) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

std::string quote_args(std::string_view name, const std::vector<std::string>& values) {
    std::string line(name);
    for (const auto& v : values) line += " \"" + v + "\"";
    return line;
}

} // namespace

bool parse_memory(std::string_view text, long long& out) {
    std::string t = ascii_lower(text);
    long long mul = 1;
    auto ends = [&](std::string_view suffix) {
        return t.size() > suffix.size() &&
               t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    struct unit {
        std::string_view suffix;
        long long factor;
    };
    static constexpr unit units[] = {
        {"gb", 1ll << 30}, {"mb", 1ll << 20}, {"kb", 1ll << 10}, {"g", 1000000000ll},
        {"m", 1000000ll},  {"k", 1000ll},     {"b", 1}};
    for (const auto& u : units) {
        if (ends(u.suffix)) {
            mul = u.factor;
            t.resize(t.size() - u.suffix.size());
            break;
        }
    }
    long long n = 0;
    if (!parse_int(t, n) || n < 0) return false;
    if (n != 0 && mul > (1ll << 62) / n) return false;
    out = n * mul;
    return true;
}

config::config() {
    for (const auto& p : config_detail::all_parameters()) {
        values_.emplace(std::string(p.name), p.default_value);
        refresh_cached(p.name, std::string(p.default_value));
    }
}

bool config::set(std::string_view raw_name, const std::vector<std::string>& values,
                 std::string& error) {
    std::string name = ascii_lower(raw_name);
    if (name == "rename-command" || name == "user") return set_directive(name, values, error);
    const parameter* p = find_parameter(name);
    if (!p) {
        error = "Bad directive or wrong number of arguments";
        return false;
    }
    std::string value;
    if (p->k == kind::text) {
        // Multi-word values (save, bind, client-output-buffer-limit) are kept space-joined.
        for (const auto& v : values) value += (value.empty() ? "" : " ") + v;
        if (values.empty()) value.clear();
    } else {
        if (values.size() != 1) {
            error = "wrong number of arguments";
            return false;
        }
        value = values[0];
    }
    switch (p->k) {
    case kind::integer: {
        long long n = 0;
        if (!parse_int(value, n)) {
            error = "argument couldn't be parsed into an integer";
            return false;
        }
        if (n < p->min || n > p->max) {
            error = "argument must be between " + std::to_string(p->min) + " and " +
                    std::to_string(p->max) + " inclusive";
            return false;
        }
        if (name == "maxclients" && check_open_files_.load(relaxed)) {
            // Redis raises the descriptor limit for more clients, and refuses what it cannot.
            fd_fit fit = fit_open_files(static_cast<std::size_t>(n));
            if (fit.clients != static_cast<std::size_t>(n)) {
                error = "The operating system is not able to handle the specified number of "
                        "clients, try with " +
                        std::to_string(fit.clients);
                return false;
            }
        }
        break;
    }
    case kind::memory: {
        long long n = 0;
        if (!parse_memory(value, n)) {
            error = "argument must be a memory value";
            return false;
        }
        if (n < p->min || n > p->max) {
            error = "argument must be between " + std::to_string(p->min) + " and " +
                    std::to_string(p->max) + " inclusive";
            return false;
        }
        value = std::to_string(n);
        break;
    }
    case kind::boolean: {
        std::string v = ascii_lower(value);
        if (v != "yes" && v != "no") {
            error = "argument must be 'yes' or 'no'";
            return false;
        }
        value = v;
        break;
    }
    case kind::choice: {
        std::string v = ascii_lower(value);
        std::istringstream in{std::string(p->choices)};
        bool found = false;
        for (std::string c; in >> c;) found = found || c == v;
        if (!found) {
            if (name == "daemonize")
                error = "daemonize yes is not supported: corio-redis runs in the foreground "
                        "(use your service manager)";
            else
                error = "argument(s) must be one of the following: " + std::string(p->choices);
            return false;
        }
        value = v;
        break;
    }
    case kind::text:
        if (name == "save") {
            // Pairs of seconds and changes; "" turns saving off.
            std::istringstream in(value);
            std::vector<std::string> words;
            for (std::string w; in >> w;) words.push_back(w);
            long long n = 0;
            bool valid = words.size() % 2 == 0;
            for (const auto& w : words) valid = valid && parse_int(w, n) && n >= 0;
            if (!valid) {
                error = "Invalid save parameters";
                return false;
            }
        }
        if (name == "notify-keyspace-events") {
            auto flags = parse_notify_flags(value);
            if (!flags) {
                error = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
                return false;
            }
            notify_flags_.store(*flags, std::memory_order_relaxed);
            value = notify_flags_text(*flags);
        }
        if (name == "client-output-buffer-limit" && !set_output_limits(value, value, error))
            return false;
        break;
    }
    {
        std::lock_guard lock(mutex_);
        values_[name] = value;
        if (auto twin = config_detail::alias_of(name); !twin.empty())
            values_[std::string(twin)] = value;
    }
    refresh_cached(config_detail::canonical_name(name), value);
    return true;
}

// Directives that are not parameters (CONFIG GET and SET know nothing of them, as in Redis):
// kept in order for the server to apply at start-up.
bool config::set_directive(const std::string& name, const std::vector<std::string>& values,
                           std::string& error) {
    std::lock_guard lock(mutex_);
    if (name == "rename-command") {
        if (values.size() != 2) {
            error = "Bad directive or wrong number of arguments";
            return false;
        }
        renames_.emplace_back(values[0], values[1]);
        return true;
    }
    if (values.empty()) {
        error = "Bad directive or wrong number of arguments";
        return false;
    }
    std::vector<std::string> line{"user"};
    line.insert(line.end(), values.begin(), values.end());
    user_lines_.push_back(std::move(line));
    return true;
}

std::vector<std::pair<std::string, std::string>> config::renamed_commands() const {
    std::lock_guard lock(mutex_);
    return renames_;
}

std::vector<std::vector<std::string>> config::user_lines() const {
    std::lock_guard lock(mutex_);
    return user_lines_;
}

void config::refresh_cached(std::string_view name, const std::string& value) {
    auto number = [&] {
        long long n = 0;
        parse_int(value, n);
        return n;
    };
    constexpr auto relaxed = std::memory_order_relaxed;
    if (name == "proto-max-bulk-len")
        proto_max_bulk_len_.store(std::stoull(value), relaxed);
    else if (name == "client-query-buffer-limit")
        client_query_buffer_limit_.store(std::stoull(value), relaxed);
    else if (name == "maxclients")
        maxclients_.store(std::stoul(value), relaxed);
    else if (name == "timeout")
        idle_timeout_.store(number(), relaxed);
    else if (name == "tcp-keepalive")
        tcp_keepalive_.store(number(), relaxed);
    else if (name == "client-output-buffer-limit") {
        output_limits limits = default_output_limits();
        std::string ignored;
        parse_output_limits(value, limits, ignored);
        for (std::size_t i = 0; i < client_class_count; ++i) {
            obuf_hard_[i].store(limits[i].hard, relaxed);
            obuf_soft_[i].store(limits[i].soft, relaxed);
            obuf_seconds_[i].store(limits[i].soft_seconds, relaxed);
        }
    } else if (name == "slowlog-log-slower-than")
        slowlog_slower_than_.store(number(), relaxed);
    else if (name == "slowlog-max-len")
        slowlog_max_len_.store(number(), relaxed);
    else if (name == "latency-monitor-threshold")
        latency_threshold_.store(number(), relaxed);
    else if (name == "hash-max-listpack-entries")
        hash_max_entries_.store(number(), relaxed);
    else if (name == "hash-max-listpack-value")
        hash_max_value_.store(number(), relaxed);
    else if (name == "set-max-intset-entries")
        set_max_intset_.store(number(), relaxed);
    else if (name == "maxmemory") {
        maxmemory_set_.store(number() != 0, relaxed);
        maxmemory_.store(static_cast<std::size_t>(number()), relaxed);
    } else if (name == "maxmemory-policy") {
        lfu_.store(value.ends_with("-lfu"), relaxed);
        lru_.store(value.ends_with("-lru"), relaxed);
        access_.lfu.store(value.ends_with("-lfu"), relaxed);
        static constexpr std::pair<std::string_view, eviction_policy> policies[] = {
            {"noeviction", eviction_policy::noeviction},
            {"allkeys-lru", eviction_policy::allkeys_lru},
            {"allkeys-lfu", eviction_policy::allkeys_lfu},
            {"allkeys-random", eviction_policy::allkeys_random},
            {"volatile-lru", eviction_policy::volatile_lru},
            {"volatile-lfu", eviction_policy::volatile_lfu},
            {"volatile-random", eviction_policy::volatile_random},
            {"volatile-ttl", eviction_policy::volatile_ttl},
        };
        for (auto [text, policy] : policies)
            if (value == text) eviction_.store(policy, relaxed);
    } else if (name == "maxmemory-samples") {
        samples_.store(static_cast<int>(number()), relaxed);
    } else if (name == "maxmemory-eviction-tenacity") {
        tenacity_.store(number(), relaxed);
    } else if (name == "lfu-log-factor") {
        access_.log_factor.store(static_cast<int>(number()), relaxed);
    } else if (name == "lfu-decay-time") {
        access_.decay_minutes.store(static_cast<int>(number()), relaxed);
    }
}

// client-output-buffer-limit names some classes; the others keep their values, and what is
// stored (CONFIG GET's text) has all of them. Concurrent CONFIG SETs of it may interleave:
// the last one stored wins whole.
bool config::set_output_limits(const std::string& value, std::string& canonical,
                               std::string& error) {
    output_limits limits;
    for (std::size_t i = 0; i < client_class_count; ++i)
        limits[i] = output_limit_for(static_cast<client_class>(i));
    if (!parse_output_limits(value, limits, error)) return false;
    canonical = output_limits_text(limits);
    return true;
}

void config::load_command_line(int argc, char** argv) {
    std::vector<std::pair<std::string, std::vector<std::string>>> directives;
    std::vector<int> lines;
    int first = 1;
    if (argc > 1 && std::string_view(argv[1]).substr(0, 2) != "--") {
        file_ = argv[1];
        first = 2;
        std::ifstream in(file_);
        if (!in) throw std::invalid_argument("Fatal error, can't open config file '" + file_ + "'");
        std::string line;
        std::vector<std::string> words;
        for (int n = 1; std::getline(in, line); ++n) {
            std::size_t start = line.find_first_not_of(" \t\r\n");
            if (start == std::string::npos || line[start] == '#') continue;
            if (!config_detail::split_line(line, words))
                throw std::invalid_argument(
                    "*** FATAL CONFIG FILE ERROR (corio-redis) ***\nReading the configuration "
                    "file, at line " +
                    std::to_string(n) + "\n>>> '" + line +
                    "'\nUnbalanced quotes in configuration line");
            if (words.empty()) continue;
            std::string name = words.front();
            words.erase(words.begin());
            directives.emplace_back(name, words);
            lines.push_back(n);
        }
    }
    // --name value [value ...]: values run until the next --name.
    for (int i = first; i < argc;) {
        std::string_view a = argv[i];
        if (a.substr(0, 2) != "--")
            throw std::invalid_argument("*** FATAL CONFIG FILE ERROR (corio-redis) ***\n>>> '" +
                                        std::string(a) +
                                        "'\nexpected a --name value argument here");
        std::string name(a.substr(2));
        std::vector<std::string> vals;
        for (++i; i < argc && std::string_view(argv[i]).substr(0, 2) != "--"; ++i)
            vals.emplace_back(argv[i]);
        directives.emplace_back(name, vals);
        lines.push_back(0);
    }
    for (std::size_t k = 0; k < directives.size(); ++k) {
        std::string error;
        if (!set(directives[k].first, directives[k].second, error)) {
            std::string where = lines[k] ? "Reading the configuration file, at line " +
                                               std::to_string(lines[k]) + "\n"
                                         : std::string("Reading the command line\n");
            throw std::invalid_argument(
                "*** FATAL CONFIG FILE ERROR (corio-redis) ***\n" + where + ">>> '" +
                quote_args(directives[k].first, directives[k].second) + "'\n" + error);
        }
    }
}

std::optional<std::string> config::get(std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string config::value_of(std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = values_.find(name);
    return it == values_.end() ? std::string() : it->second;
}

std::vector<std::string> config::matching(std::string_view pattern) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [name, value] : values_)
        if (glob_match(pattern, name, true)) out.push_back(name);
    return out;
}

std::uint16_t config::port() const {
    return static_cast<std::uint16_t>(std::stoi(value_of("port")));
}
std::vector<std::string> config::bind() const {
    std::istringstream in(value_of("bind"));
    std::vector<std::string> out;
    for (std::string a; in >> a;) out.push_back(a[0] == '-' ? a.substr(1) : a);
    return out;
}
std::vector<std::pair<long long, long long>> config::save_points() const {
    std::istringstream in(value_of("save"));
    std::vector<std::pair<long long, long long>> out;
    for (long long seconds = 0, changes = 0; in >> seconds >> changes;)
        out.emplace_back(seconds, changes);
    return out;
}
std::size_t config::databases() const {
    return std::stoul(value_of("databases"));
}
std::size_t config::loops() const {
    std::size_t n = std::stoul(value_of("loops"));
    return n ? n : std::max(1u, std::thread::hardware_concurrency());
}

} // namespace corio_redis
