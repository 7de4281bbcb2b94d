// SLOWLOG (GET, LEN, RESET, HELP) and LATENCY (LATEST, HISTORY, RESET, DOCTOR, GRAPH,
// HISTOGRAM, HELP). Each loop keeps its own slowlog (session_stats.cpp logs a command on the
// loop it ran on), so SLOWLOG runs on every shard and the parts are merged here, newest
// first by id; the latency monitor is one for the server (stats.hpp says why).
#include "../ascii.hpp"
#include "../server.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fmt/format.h>
#include <limits>
#include <string>
#include <vector>

namespace corio_redis {
namespace {

void reply_help(command_context& c, std::initializer_list<std::string_view> lines) {
    c.out.array(lines.size());
    for (auto l : lines) c.out.simple(l);
}

// The length of the RESP value at the front of s, nested ones included; 0 if it is cut
// short.
std::size_t resp_length(std::string_view s) {
    auto eol = s.find("\r\n");
    if (s.empty() || eol == std::string_view::npos) return 0;
    const std::size_t head = eol + 2;
    long long n = 0;
    switch (s[0]) {
    case '$':
    case '=':
    case '!':
        if (!parse_integer(s.substr(1, eol - 1), n)) return 0;
        return n < 0 ? head : head + static_cast<std::size_t>(n) + 2;
    case '*':
    case '~':
    case '>':
    case '%': {
        if (!parse_integer(s.substr(1, eol - 1), n)) return 0;
        if (n < 0) return head;
        std::size_t items = static_cast<std::size_t>(n) * (s[0] == '%' ? 2 : 1);
        std::size_t at = head;
        for (std::size_t i = 0; i < items; ++i) {
            std::size_t len = resp_length(s.substr(at));
            if (len == 0) return 0;
            at += len;
        }
        return at;
    }
    default: // a one-line value
        return head;
    }
}

// SLOWLOG GET's count: 10 by default, -1 for all; false if it is not one.
bool slowlog_count(std::span<const std::string_view> args, long long& count) {
    count = 10;
    if (args.size() < 3) return true;
    return parse_integer(args[2], count) && count >= -1;
}

// ---- SLOWLOG: each shard's part -------------------------------------------------------

void slowlog_cmd(command_context& c) {
    const std::string sub = ascii_lower(c.args[1]);
    const std::size_t n = c.args.size();
    auto& log = c.srv.stats_at(c.home->index).slowlog;
    if (sub == "get" && n <= 3) {
        long long count = 0;
        if (!slowlog_count(c.args, count))
            return c.out.error("ERR count should be greater than or equal to -1");
        std::size_t shown =
            count < 0 ? log.size() : std::min(log.size(), static_cast<std::size_t>(count));
        c.out.array(shown);
        for (std::size_t i = 0; i < shown; ++i) {
            const slowlog_entry& e = log[i];
            c.out.array(6);
            c.out.integer(static_cast<long long>(e.id));
            c.out.integer(e.unix_time);
            c.out.integer(e.usec);
            c.out.array(e.args.size());
            for (const auto& a : e.args) c.out.bulk(a);
            c.out.bulk(e.peer);
            c.out.bulk(e.client_name);
        }
        return;
    }
    if (sub == "get")
        return c.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(c.args[1]) + "'. Try SLOWLOG HELP.");
    if (sub != "len" && sub != "reset" && sub != "help")
        return c.out.error("ERR unknown subcommand '" + std::string(c.args[1].substr(0, 128)) +
                           "'. Try SLOWLOG HELP.");
    if (n != 2) return reply_wrong_arity(c.out, "slowlog|" + sub);
    if (sub == "len") return c.out.integer(static_cast<long long>(log.size()));
    if (sub == "reset") {
        log.clear();
        return c.out.ok();
    }
    reply_help(c, {"SLOWLOG <subcommand> [<arg> ...]: subcommands are:", "GET [<count>]",
                   "    The newest <count> entries (default 10, -1 for all), each: id, unix",
                   "    time, microseconds, arguments, client address, client name.", "LEN",
                   "    How many entries there are.", "RESET", "    Forgets every entry.", "HELP",
                   "    This text."});
}

// ---- SLOWLOG: the shards' parts made one ----------------------------------------------

void merge_slowlog(command_context& c, std::span<const std::string> parts) {
    const std::string sub = ascii_lower(c.args[1]);
    const auto max_len = static_cast<std::size_t>(std::max(0ll, c.srv.cfg().slowlog_max_len()));
    if (sub == "len") {
        long long total = 0;
        for (const auto& p : parts) {
            long long k = 0;
            if (p.size() > 3 && parse_integer(std::string_view(p).substr(1, p.size() - 3), k))
                total += k;
        }
        return c.out.integer(std::min<long long>(total, static_cast<long long>(max_len)));
    }
    if (sub != "get") { // RESET and HELP: every shard said the same
        if (!parts.empty()) c.out.bytes().append(parts.front());
        return;
    }
    struct item {
        long long id;
        std::string_view bytes;
    };
    std::vector<item> items;
    for (std::string_view p : parts) {
        auto eol = p.find("\r\n");
        long long k = 0;
        if (p.empty() || eol == std::string_view::npos || !parse_integer(p.substr(1, eol - 1), k))
            continue;
        p.remove_prefix(eol + 2);
        for (long long i = 0; i < k; ++i) {
            std::size_t len = resp_length(p);
            if (len == 0) break;
            // An entry starts "*6\r\n:<id>\r\n".
            std::string_view entry = p.substr(0, len);
            long long id = 0;
            auto id_end = entry.find("\r\n", 5);
            if (entry.size() > 5 && id_end != std::string_view::npos)
                parse_integer(entry.substr(5, id_end - 5), id);
            items.push_back({id, entry});
            p.remove_prefix(len);
        }
    }
    std::sort(items.begin(), items.end(), [](const item& a, const item& b) { return a.id > b.id; });
    long long count = 10;
    slowlog_count(c.args, count);
    std::size_t shown = std::min(items.size(), max_len);
    if (count >= 0) shown = std::min(shown, static_cast<std::size_t>(count));
    c.out.array(shown);
    for (std::size_t i = 0; i < shown; ++i) c.out.bytes().append(items[i].bytes);
}

// ---- LATENCY --------------------------------------------------------------------------

std::string latency_doctor(command_context& c) {
    auto events = c.srv.latency().snapshot();
    if (events.empty()) {
        if (c.srv.cfg().latency_monitor_threshold() == 0)
            return "Latency monitoring is off. CONFIG SET latency-monitor-threshold "
                   "<milliseconds> turns it on: commands slower than that are then recorded.\n";
        return "No latency spikes were recorded: every command ran faster than "
               "latency-monitor-threshold.\n";
    }
    std::string text = "Latency spikes were recorded:\n\n";
    int i = 0;
    for (const auto& [name, s] : events) {
        std::uint64_t sum = 0;
        for (const auto& x : s.samples) sum += x.ms;
        text += fmt::format("{}. {}: {} spikes in the last {} seconds with one, average {} ms, "
                            "worst ever {} ms.\n",
                            ++i, name, s.samples.size(), s.samples.size(),
                            s.samples.empty() ? 0 : sum / s.samples.size(), s.max_ms);
    }
    text += "\nSLOWLOG GET shows which commands were slow; large values deleted or expired at "
            "once, and DEBUG SLEEP, stop a loop for long.\n";
    return text;
}

// A bar per sample (the newest 60), scaled to the highest, 8 rows tall.
std::string latency_graph(std::string_view name, const latency_monitor::series& s) {
    std::vector<latency_monitor::sample> v(s.samples.begin(), s.samples.end());
    if (v.size() > 60) v.erase(v.begin(), v.end() - 60);
    std::uint64_t high = 0, low = std::numeric_limits<std::uint64_t>::max();
    for (const auto& x : v) {
        high = std::max(high, x.ms);
        low = std::min(low, x.ms);
    }
    std::string text = fmt::format("{} - high {} ms, low {} ms (all time high {} ms)\n", name, high,
                                   low, s.max_ms);
    text += std::string(80, '-') + "\n";
    constexpr int rows = 8;
    for (int r = rows; r >= 1; --r) {
        for (const auto& x : v)
            text += x.ms * rows >= static_cast<std::uint64_t>(r) * high ? '#' : ' ';
        text += '\n';
    }
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    text += "seconds ago, oldest to newest:";
    for (const auto& x : v) text += fmt::format(" {}", now - x.unix_time);
    return text + "\n";
}

void latency_cmd(command_context& c) {
    const std::string sub = ascii_lower(c.args[1]);
    const std::size_t n = c.args.size();
    auto& monitor = c.srv.latency();
    if (sub == "reset") {
        return c.out.integer(static_cast<long long>(monitor.reset(c.args.subspan(2))));
    }
    static constexpr std::string_view known[] = {"latest", "history",   "doctor",
                                                 "graph",  "histogram", "help"};
    if (std::find(std::begin(known), std::end(known), sub) == std::end(known))
        return c.out.error("ERR unknown subcommand '" + std::string(c.args[1].substr(0, 128)) +
                           "'. Try LATENCY HELP.");
    if (sub == "histogram") return c.out.map(0); // no per-command histograms (docs/redis.md)
    const bool takes_event = sub == "history" || sub == "graph";
    if (n != (takes_event ? 3u : 2u)) return reply_wrong_arity(c.out, "latency|" + sub);
    if (sub == "latest") {
        auto events = monitor.snapshot();
        c.out.array(events.size());
        for (const auto& [name, s] : events) {
            c.out.array(4);
            c.out.bulk(name);
            c.out.integer(s.samples.empty() ? 0 : s.samples.back().unix_time);
            c.out.integer(static_cast<long long>(s.samples.empty() ? 0 : s.samples.back().ms));
            c.out.integer(static_cast<long long>(s.max_ms));
        }
        return;
    }
    if (sub == "history" || sub == "graph") {
        auto events = monitor.snapshot();
        auto it = events.find(c.args[2]);
        if (sub == "graph") {
            if (it == events.end() || it->second.samples.empty())
                return c.out.error("ERR No samples available for event '" + std::string(c.args[2]) +
                                   "'");
            return c.out.bulk(latency_graph(it->first, it->second));
        }
        if (it == events.end()) return c.out.array(0);
        c.out.array(it->second.samples.size());
        for (const auto& x : it->second.samples) {
            c.out.array(2);
            c.out.integer(x.unix_time);
            c.out.integer(static_cast<long long>(x.ms));
        }
        return;
    }
    if (sub == "doctor") return c.out.bulk(latency_doctor(c));
    reply_help(c, {"LATENCY <subcommand> [<arg> ...]: subcommands are:", "DOCTOR",
                   "    A report on the latency spikes recorded.", "GRAPH <event>",
                   "    A text graph of an event's spikes.", "HISTORY <event>",
                   "    An event's spikes: unix time and milliseconds.", "LATEST",
                   "    Each event's latest spike: name, unix time, milliseconds, worst.",
                   "RESET [<event> ...]", "    Forgets the events named, or all of them.",
                   "HISTOGRAM [<command> ...]",
                   "    Per-command latency histograms (none are kept yet).", "HELP",
                   "    This text."});
}

} // namespace

void register_slowlog_commands(command_table& t) {
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({.name = "slowlog",
         .arity = -2,
         .flags = cmd_admin | cmd_all_shards,
         .first_key = 0,
         .last_key = 0,
         .key_step = 0,
         .fn = slowlog_cmd,
         .split = split_kind::merge,
         .merge = merge_slowlog});
    add({"latency", -2, cmd_keyless | cmd_admin, 0, 0, 0, latency_cmd});
}

} // namespace corio_redis
