// What a session records about each command it runs: the counters of INFO commandstats,
// errorstats and stats, the slowlog and the latency monitor (stats.hpp). Everything goes to
// the statistics of the loop the command ran on, which only that loop writes.
#include "session.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <ctime>

namespace corio_redis::detail {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// The arguments as SLOWLOG shows them: passwords redacted, at most 32 arguments and 128
// bytes of each, the rest summed up, as Redis does.
std::vector<std::string> slowlog_args(std::span<const std::string_view> args) {
    std::vector<bool> secret(args.size(), false);
    if (iequals(args[0], "auth")) {
        for (std::size_t i = 1; i < args.size(); ++i) secret[i] = true;
    } else if (iequals(args[0], "hello")) {
        for (std::size_t i = 2; i < args.size(); ++i) {
            if (!iequals(args[i], "auth")) continue;
            if (i + 1 < args.size()) secret[i + 1] = true;
            if (i + 2 < args.size()) secret[i + 2] = true;
            break;
        }
    } else if (iequals(args[0], "acl") && args.size() > 1 && iequals(args[1], "setuser")) {
        for (std::size_t i = 2; i < args.size(); ++i) secret[i] = true; // the name too, as Redis
    } else if (iequals(args[0], "config") && args.size() > 1 && iequals(args[1], "set")) {
        for (std::size_t i = 2; i + 1 < args.size(); i += 2)
            if (iequals(args[i], "requirepass") || iequals(args[i], "masterauth"))
                secret[i + 1] = true;
    }
    constexpr std::size_t max_args = 32, max_bytes = 128;
    const std::size_t shown = args.size() > max_args ? max_args - 1 : args.size();
    std::vector<std::string> out;
    out.reserve(shown + 1);
    for (std::size_t i = 0; i < shown; ++i) {
        if (secret[i]) {
            out.emplace_back("(redacted)");
        } else if (args[i].size() > max_bytes) {
            out.emplace_back(args[i].substr(0, max_bytes));
            out.back() += "... (" + std::to_string(args[i].size() - max_bytes) + " more bytes)";
        } else {
            out.emplace_back(args[i]);
        }
    }
    if (shown < args.size())
        out.push_back("... (" + std::to_string(args.size() - shown) + " more arguments)");
    return out;
}

} // namespace

bool is_local_peer(const corio::connection& conn) {
    auto ep = conn.remote_endpoint();
    const sockaddr* sa = ep.data();
    if (sa->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
        return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
    }
    return sa->sa_family == AF_UNIX;
}

const std::string& session::peer() {
    if (peer_.empty()) peer_ = conn_.remote_address();
    return peer_;
}

void session::count_error(loop_stats& st, std::string_view reply) {
    // The error code is the reply's first word (Redis's errorstats key).
    reply.remove_prefix(1);
    std::size_t end = reply.find_first_of(" \r");
    std::string_view code = reply.substr(0, std::min<std::size_t>(end, 32));
    bump(st.errors);
    std::size_t id = srv_.error_codes().id_of(code);
    if (id != name_registry::npos) bump(st.per_error[id]);
}

void session::account(const command_spec& spec, std::span<const std::string_view> args,
                      std::size_t loop, std::size_t mark, run_clock clock) {
    std::int64_t usec = -1;
    if (clock.on) {
        auto spent = command_clock::between(clock.start, command_clock::now()) - waited_;
        usec = std::max<std::int64_t>(
            0, std::chrono::duration_cast<std::chrono::microseconds>(spent).count());
    }
    const bool waited = waited_.count() != 0;
    waited_ = {};
    loop_stats& st = srv_.stats_at(loop);
    std::string_view reply(out_bytes_);
    reply.remove_prefix(std::min(mark, reply.size()));
    const bool failed = !reply.empty() && reply[0] == '-';
    if (failed) count_error(st, reply);
    std::size_t id = spec.stat_id;
    if (spec.flags & cmd_subcommands && args.size() > 1) {
        // Redis refuses an unknown subcommand, or a known one with the wrong number of
        // arguments, before running it: no call, only the error (and a rejected call).
        if (failed && starts_with(reply, "-ERR unknown subcommand '")) return;
        id = srv_.subcommand_stat(spec, args[1]);
        if (failed && starts_with(reply, "-ERR wrong number of arguments for '")) {
            if (id != name_registry::npos) bump(st.per_command[id].rejected);
            return;
        }
    }
    bump(st.commands);
    if (id != name_registry::npos) {
        command_counters& k = st.per_command[id];
        bump(k.calls);
        if (usec > 0) bump(k.usec, static_cast<std::uint64_t>(usec));
        if (failed) bump(k.failed);
    }
    if (!failed && spec.flags & cmd_write) bump(st.writes);
    if (usec < 0) {
        // Not timed, as timing was off when it began; a command that turned it on (CONFIG
        // SET slowlog-log-slower-than 0) is logged as Redis logs it, with the time unknown: 0.
        if (!srv_.cfg().timing_wanted()) return;
        usec = 0;
    }
    // A blocking pop that waited and timed out is not logged, as in Redis.
    if (waited && (reply == "*-1\r\n" || reply == "_\r\n")) return;
    log_slow(spec, args, loop, usec);
}

void session::account_rejected(const command_spec* spec, std::size_t loop, std::size_t mark) {
    loop_stats& st = srv_.stats_at(loop);
    std::string_view reply(out_bytes_);
    reply.remove_prefix(std::min(mark, reply.size()));
    if (!reply.empty() && reply[0] == '-') count_error(st, reply);
    // A container's own refusal (OBJECT with no subcommand) has no line in commandstats.
    if (spec && !(spec->flags & cmd_subcommands)) bump(st.per_command[spec->stat_id].rejected);
}

void session::log_slow(const command_spec& spec, std::span<const std::string_view> args,
                       std::size_t loop, std::int64_t usec) {
    const auto& cfg = srv_.cfg();
    const long long threshold_ms = cfg.latency_monitor_threshold();
    if (threshold_ms > 0 && usec / 1000 >= threshold_ms)
        srv_.latency().add(spec.flags & cmd_fast ? "fast-command" : "command",
                           static_cast<std::int64_t>(std::time(nullptr)),
                           static_cast<std::uint64_t>(usec / 1000));
    const long long slower_than = cfg.slowlog_log_slower_than();
    // EXEC is left out: the commands it ran are logged one by one.
    if (slower_than < 0 || usec < slower_than || spec.name == "exec") return;
    slowlog_entry e;
    e.id = srv_.next_slowlog_id();
    e.unix_time = static_cast<std::int64_t>(std::time(nullptr));
    e.usec = usec;
    e.args = slowlog_args(args);
    e.peer = peer();
    e.client_name = client_.name;
    auto& log = srv_.stats_at(loop).slowlog;
    log.push_front(std::move(e));
    const auto max_len = static_cast<std::size_t>(std::max(0ll, cfg.slowlog_max_len()));
    while (log.size() > max_len) log.pop_back();
}

} // namespace corio_redis::detail
