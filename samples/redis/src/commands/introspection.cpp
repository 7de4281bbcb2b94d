// OBJECT (ENCODING, FREQ, IDLETIME, REFCOUNT), MEMORY (USAGE, STATS, DOCTOR, MALLOC-STATS,
// PURGE) and DEBUG (SLEEP, SET-ACTIVE-EXPIRE, OBJECT, CHANGE-REPL-ID), with Redis 7.0's
// replies and errors. Sizes are corio-redis's own, estimated from its data structures and
// glibc's allocation sizes; encodings are those Redis would have (encoding.hpp).
#include "../ascii.hpp"
#include "../process_info.hpp"
#include "../server.hpp"
#include "encoding.hpp"

#include <malloc.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace corio_redis {

std::string_view encoding_name(const db::value& v) {
    switch (v.type()) {
    case db::value_type::string: {
        const std::string& s = v.str();
        if (integer_like(s)) return "int"; // 20 characters at most: a long
        return s.size() <= 44 ? "embstr" : "raw";
    }
    case db::value_type::list:
        return "quicklist"; // every list, in Redis 7.0
    case db::value_type::hash:
        return std::get<2>(v.data)->hashtable ? "hashtable" : "listpack";
    case db::value_type::set:
        return std::get<3>(v.data)->hashtable ? "hashtable" : "intset";
    }
    return "unknown";
}

namespace {

using db::entry;
using db::value_type;

void reply_help(command_context& c, std::initializer_list<std::string_view> lines) {
    c.out.array(lines.size());
    for (auto l : lines) c.out.simple(l);
}

void unknown_subcommand(command_context& c, std::string_view command) {
    c.out.error("ERR unknown subcommand '" + std::string(c.args[1].substr(0, 128)) + "'. Try " +
                std::string(command) + " HELP.");
}

// ---- sizes ----------------------------------------------------------------------------

// What glibc's malloc takes for a request of n bytes: 8 bytes of header, 16-byte steps,
// 32 at least.
std::size_t chunk(std::size_t n) {
    if (n == 0) return 0;
    return std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15});
}
// A std::string's heap block (none while it fits the 15 bytes kept inline).
std::size_t heap_of(const std::string& s) {
    return s.capacity() > 15 ? chunk(s.capacity() + 1) : 0;
}

// libstdc++'s hash nodes: the link, the element and the cached hash.
constexpr std::size_t hash_node = 8 + 2 * sizeof(std::string) + 8;
constexpr std::size_t set_node = 8 + sizeof(std::string) + 8;

// The element bytes of a collection, measured on the first `samples` elements (all if 0)
// and scaled to its size, as Redis samples.
template <class Range, class Bytes>
std::size_t sampled(const Range& r, std::size_t size, long long samples, Bytes&& bytes) {
    if (size == 0) return 0;
    std::size_t seen = 0, total = 0;
    for (const auto& x : r) {
        if (samples > 0 && seen >= static_cast<std::size_t>(samples)) break;
        total += bytes(x);
        ++seen;
    }
    if (seen == 0) return 0;
    return static_cast<std::size_t>(static_cast<double>(total) / static_cast<double>(seen) *
                                    static_cast<double>(size));
}

// MEMORY USAGE: the key's node and bucket slot, its expiry record, and the value.
std::size_t memory_usage(std::string_view key, const entry& e, long long samples) {
    std::size_t n = chunk(db::keyspace::node_bytes(key.size())) + sizeof(void*);
    if (e.expire_at != 0)
        n += chunk(set_node) + sizeof(void*) + (key.size() > 15 ? chunk(key.size() + 1) : 0);
    const db::value& v = e.val;
    switch (v.type()) {
    case value_type::string:
        n += heap_of(v.str());
        break;
    case value_type::list: {
        const db::list_type& l = *std::get<1>(v.data);
        // libstdc++'s deque: 512-byte blocks of 16 strings and a map of block pointers.
        const std::size_t blocks = l.size() / 16 + 1;
        n += chunk(sizeof(db::list_type)) + blocks * chunk(512) +
             chunk(std::max<std::size_t>(8, blocks + 2) * sizeof(void*));
        n += sampled(l, l.size(), samples, [](const std::string& s) { return heap_of(s); });
        break;
    }
    case value_type::hash: {
        const db::hash_type& h = *std::get<2>(v.data);
        n += chunk(sizeof(db::hash_type)) +
             (h.bucket_count() > 1 ? chunk(h.bucket_count() * sizeof(void*)) : 0);
        n += sampled(h, h.size(), samples, [](const auto& kv) {
            return chunk(hash_node) + heap_of(kv.first) + heap_of(kv.second);
        });
        break;
    }
    case value_type::set: {
        const db::set_type& s = *std::get<3>(v.data);
        n += chunk(sizeof(db::set_type)) +
             (s.bucket_count() > 1 ? chunk(s.bucket_count() * sizeof(void*)) : 0);
        n += sampled(s, s.size(), samples,
                     [](const std::string& m) { return chunk(set_node) + heap_of(m); });
        break;
    }
    }
    return n;
}

// What RDB's length prefix takes for a length.
std::size_t rdb_length(std::size_t n) {
    return n < 64 ? 1 : n < 16384 ? 2 : n <= 0xffffffffu ? 5 : 9;
}
// A string as RDB writes it: small integers in 1, 2 or 4 bytes, else its length and bytes
// (no LZF compression counted).
std::size_t rdb_string(std::string_view s) {
    long long v = 0;
    if (parse_integer(s, v)) {
        if (v >= -128 && v <= 127) return 2;
        if (v >= -32768 && v <= 32767) return 3;
        if (v >= std::numeric_limits<std::int32_t>::min() &&
            v <= std::numeric_limits<std::int32_t>::max())
            return 5;
    }
    return rdb_length(s.size()) + s.size();
}
// A listpack entry's bytes: the encoding header, the data and the back length.
std::size_t listpack_entry(std::string_view s) {
    return (s.size() < 64 ? 1 : s.size() < 4096 ? 2 : 5) + s.size() + (s.size() < 127 ? 1 : 2);
}

// DEBUG OBJECT's serializedlength: an estimate of the value's RDB encoding.
std::size_t serialized_length(const db::value& v) {
    switch (v.type()) {
    case value_type::string:
        return rdb_string(v.str());
    case value_type::list: {
        std::size_t bytes = 7; // the listpack header and end (one node's worth)
        for (const auto& s : *std::get<1>(v.data)) bytes += listpack_entry(s);
        return 1 + rdb_length(bytes) + bytes;
    }
    case value_type::hash: {
        const auto& h = *std::get<2>(v.data);
        std::size_t bytes = 0;
        if (!h.hashtable) {
            bytes = 7;
            for (const auto& [f, val] : h) bytes += listpack_entry(f) + listpack_entry(val);
            return rdb_length(bytes) + bytes;
        }
        bytes = rdb_length(h.size());
        for (const auto& [f, val] : h) bytes += rdb_string(f) + rdb_string(val);
        return bytes;
    }
    case value_type::set: {
        const auto& s = *std::get<3>(v.data);
        if (!s.hashtable) {
            std::size_t width = 2;
            for (const auto& m : s) {
                long long x = std::strtoll(m.c_str(), nullptr, 10);
                if (x < -32768 || x > 32767) width = std::max<std::size_t>(width, 4);
                if (x < std::numeric_limits<std::int32_t>::min() ||
                    x > std::numeric_limits<std::int32_t>::max())
                    width = 8;
            }
            std::size_t bytes = 8 + width * s.size();
            return rdb_length(bytes) + bytes;
        }
        std::size_t bytes = rdb_length(s.size());
        for (const auto& m : s) bytes += rdb_string(m);
        return bytes;
    }
    }
    return 0;
}

// ---- OBJECT ---------------------------------------------------------------------------

void object_cmd(command_context& c) {
    const std::string sub = ascii_lower(c.args[1]);
    if (sub == "help") {
        if (c.args.size() != 2) return reply_wrong_arity(c.out, "object|help");
        return reply_help(c, {"OBJECT <subcommand> [<arg> ...]: subcommands are:", "ENCODING <key>",
                              "    How the value at <key> is stored (Redis's encoding names).",
                              "FREQ <key>",
                              "    The access frequency of <key> (with an LFU maxmemory-policy).",
                              "IDLETIME <key>", "    Seconds since <key> was last read or written.",
                              "REFCOUNT <key>", "    References to the value at <key>.", "HELP",
                              "    This text."});
    }
    if (sub != "encoding" && sub != "freq" && sub != "idletime" && sub != "refcount")
        return unknown_subcommand(c, "OBJECT");
    if (c.args.size() != 3) return reply_wrong_arity(c.out, "object|" + sub);
    // Redis's LOOKUP_NOTOUCH: asking about a key is not an access to it.
    entry* e = c.db().find_untouched(c.args[2], c.now_ms);
    if (!e) return c.out.null();
    const auto& cfg = c.srv.cfg();
    if (sub == "encoding") return c.out.bulk(encoding_name(e->val));
    if (sub == "idletime") {
        if (cfg.lfu_policy())
            return c.out.error("ERR An LFU maxmemory policy is selected, idle time not tracked. "
                               "Please note that when switching between policies at runtime LRU "
                               "and LFU data will take some time to adjust.");
        return c.out.integer(db::database::idle_seconds(*e, c.now_ms));
    }
    if (sub == "freq") {
        if (!cfg.lfu_policy())
            return c.out.error("ERR An LFU maxmemory policy is not selected, access frequency "
                               "not tracked. Please note that when switching between policies "
                               "at runtime LRU and LFU data will take some time to adjust.");
        return c.out.integer(c.db().frequency(*e, c.now_ms));
    }
    // REFCOUNT: Redis shares the objects of the integers 0..9999.
    long long n = 0;
    if (e->val.type() == value_type::string && parse_integer(e->val.str(), n) && n >= 0 &&
        n < 10000 && cfg.shares_integers())
        return c.out.integer(std::numeric_limits<std::int32_t>::max());
    c.out.integer(1);
}

// ---- MEMORY ---------------------------------------------------------------------------

std::string malloc_stats_text() {
    char* buf = nullptr;
    std::size_t size = 0;
    std::FILE* f = ::open_memstream(&buf, &size);
    if (!f) return "Stats not supported for the current allocator";
    ::malloc_info(0, f);
    std::fclose(f);
    std::string text(buf, size);
    std::free(buf);
    return text;
}

std::size_t used_now(server& srv) {
    std::size_t used = allocated_bytes();
    std::size_t peak = srv.memory_peak.load();
    while (used > peak && !srv.memory_peak.compare_exchange_weak(peak, used)) {
    }
    return used;
}

void memory_stats(command_context& c) {
    auto& srv = c.srv;
    const std::size_t used = used_now(srv), peak = srv.memory_peak.load();
    const std::size_t rss = resident_bytes(), startup = srv.memory_startup;
    struct db_figures {
        std::size_t index, keys, expires;
    };
    std::vector<db_figures> dbs;
    std::size_t keys = 0, overhead = startup;
    for (std::size_t d = 0; d < srv.cfg().databases(); ++d) {
        std::size_t k = 0, x = 0;
        for (std::size_t s = 0; s < srv.shard_count(); ++s) {
            k += srv.shard_at(s).dbs[d].size_seen();
            x += srv.shard_at(s).dbs[d].expiring_seen();
        }
        if (k == 0) continue;
        dbs.push_back({d, k, x});
        keys += k;
        // The table's bucket slots (about one per key) and the expiry records.
        overhead += k * sizeof(void*) + x * (chunk(set_node) + sizeof(void*));
    }
    const std::size_t net = used > startup ? used - startup : 0;
    const std::size_t dataset = used > overhead ? used - overhead : 0;
    auto num = [&](std::string_view name, std::size_t v) {
        c.out.bulk(name);
        c.out.integer(static_cast<long long>(v));
    };
    auto ratio = [&](std::string_view name, double a, double b) {
        c.out.bulk(name);
        c.out.dbl(b > 0 ? a / b : 0);
    };
    c.out.map(19 + dbs.size());
    num("peak.allocated", peak);
    num("total.allocated", used);
    num("startup.allocated", startup);
    for (auto none : {"replication.backlog", "clients.slaves", "cluster.links", "aof.buffer",
                      "lua.caches", "functions.caches"})
        num(none, 0); // corio-redis has none of these yet
    for (const auto& d : dbs) {
        c.out.bulk("db." + std::to_string(d.index));
        c.out.map(2);
        num("overhead.hashtable.main", d.keys * sizeof(void*));
        num("overhead.hashtable.expires", d.expires * (chunk(set_node) + sizeof(void*)));
    }
    num("overhead.total", overhead);
    num("keys.count", keys);
    num("keys.bytes-per-key", keys ? net / keys : 0);
    num("dataset.bytes", dataset);
    ratio("dataset.percentage", 100.0 * static_cast<double>(dataset), static_cast<double>(net));
    ratio("peak.percentage", 100.0 * static_cast<double>(used), static_cast<double>(peak));
    num("allocator.allocated", used);
    num("allocator.resident", rss);
    ratio("fragmentation", static_cast<double>(rss), static_cast<double>(used));
    c.out.bulk("fragmentation.bytes");
    c.out.integer(static_cast<long long>(rss) - static_cast<long long>(used));
}

std::string memory_doctor(server& srv) {
    const std::size_t used = used_now(srv), peak = srv.memory_peak.load();
    const std::size_t rss = resident_bytes();
    if (used < 5 * 1024 * 1024)
        return "This instance is empty or holds very little data (under 5 MB): there is "
               "nothing to diagnose yet.\n";
    std::string text;
    const double ratio = static_cast<double>(rss) / static_cast<double>(used);
    if (ratio > 1.4)
        text += fmt::format("- High fragmentation: the process is resident in {} for {} "
                            "allocated (ratio {:.2f}). MEMORY PURGE hands free pages back to "
                            "the system.\n",
                            human_bytes(rss), human_bytes(used), ratio);
    if (static_cast<double>(peak) > 1.5 * static_cast<double>(used))
        text += fmt::format("- Peak memory ({}) was much higher than now ({}): the allocator "
                            "may still hold what was freed since.\n",
                            human_bytes(peak), human_bytes(used));
    if (text.empty()) return "No memory problems detected.\n";
    return "Memory problems detected:\n\n" + text;
}

void memory_cmd(command_context& c) {
    const std::string sub = ascii_lower(c.args[1]);
    if (sub == "usage") {
        if (c.args.size() < 3) return reply_wrong_arity(c.out, "memory|usage");
        long long samples = 5; // Redis's default
        for (std::size_t i = 3; i < c.args.size(); ++i) {
            if (iequals(c.args[i], "samples") && i + 1 < c.args.size()) {
                if (!parse_integer(c.args[++i], samples)) return reply_not_integer(c.out);
                if (samples < 0) return reply_syntax_error(c.out);
            } else {
                return reply_syntax_error(c.out);
            }
        }
        entry* e = c.db().find_untouched(c.args[2], c.now_ms);
        if (!e) return c.out.null();
        return c.out.integer(static_cast<long long>(memory_usage(c.args[2], *e, samples)));
    }
    const bool known = sub == "stats" || sub == "doctor" || sub == "malloc-stats" ||
                       sub == "purge" || sub == "help";
    if (!known) return unknown_subcommand(c, "MEMORY");
    if (c.args.size() != 2) return reply_wrong_arity(c.out, "memory|" + sub);
    if (sub == "stats") return memory_stats(c);
    if (sub == "doctor") return c.out.bulk(memory_doctor(c.srv));
    if (sub == "malloc-stats") return c.out.bulk(malloc_stats_text());
    if (sub == "purge") {
        ::malloc_trim(0); // glibc's way to hand free pages back
        return c.out.ok();
    }
    reply_help(c, {"MEMORY <subcommand> [<arg> ...]: subcommands are:", "DOCTOR",
                   "    A report on memory problems, if any.", "MALLOC-STATS",
                   "    The allocator's own statistics (glibc's malloc_info).", "PURGE",
                   "    Hands the allocator's free pages back to the system.", "STATS",
                   "    Figures on the server's memory use.", "USAGE <key> [SAMPLES <count>]",
                   "    Bytes used by <key> and its value; collections are measured on",
                   "    <count> elements (default 5, 0 for all) and scaled.", "HELP",
                   "    This text."});
}

// ---- DEBUG ----------------------------------------------------------------------------

// The DEBUG OBJECT line, Redis's fields (quicklist's ones estimated).
std::string debug_object(command_context& c, const entry& e) {
    const db::value& v = e.val;
    const void* where = &e;
    if (v.type() == value_type::list) where = std::get<1>(v.data).get();
    if (v.type() == value_type::hash) where = std::get<2>(v.data).get();
    if (v.type() == value_type::set) where = std::get<3>(v.data).get();
    long long refcount = 1, n = 0;
    if (v.type() == value_type::string && parse_integer(v.str(), n) && n >= 0 && n < 10000 &&
        c.srv.cfg().shares_integers())
        refcount = std::numeric_limits<std::int32_t>::max();
    std::string line =
        fmt::format("Value at:{} refcount:{} encoding:{} serializedlength:{} "
                    "lru:{} lru_seconds_idle:{}",
                    where, refcount, encoding_name(v), serialized_length(v),
                    db::keyspace::access_of(e) & 0xffffff, db::database::idle_seconds(e, c.now_ms));
    if (v.type() == value_type::list) {
        const auto& l = *std::get<1>(v.data);
        long long fill = -2, depth = 0;
        parse_integer(*c.srv.cfg().get("list-max-listpack-size"), fill);
        parse_integer(*c.srv.cfg().get("list-compress-depth"), depth);
        std::size_t bytes = 0;
        for (const auto& s : l) bytes += listpack_entry(s);
        // A negative fill caps a node's bytes (-1: 4 KB ... -5: 64 KB), a positive one its
        // entries.
        std::size_t nodes = 1;
        if (fill >= 0) {
            const auto per_node = static_cast<std::size_t>(std::max(fill, 1ll));
            nodes = std::max<std::size_t>(1, (l.size() + per_node - 1) / per_node);
        } else {
            const std::size_t cap = std::size_t{4096} << std::min(-fill - 1, 4ll);
            nodes = std::max<std::size_t>(1, (bytes + cap - 1) / cap);
        }
        line += fmt::format(" ql_nodes:{} ql_avg_node:{:.2f} ql_listpack_max:{} "
                            "ql_compressed:{} ql_uncompressed_size:{}",
                            nodes, static_cast<double>(l.size()) / static_cast<double>(nodes), fill,
                            depth != 0 ? 1 : 0, bytes + 7 * nodes);
    }
    return line;
}

bool debug_has_keys(std::span<const std::string_view> args) {
    return args.size() >= 3 && iequals(args[1], "object");
}

void debug_cmd(command_context& c) {
    // A copy: get() returns the value by value (CONFIG SET may run on another loop).
    const std::string gate = c.srv.cfg().get("enable-debug-command").value_or("no");
    if (gate == "no" || (gate == "local" && !c.client.local_peer))
        return c.out.error("ERR DEBUG command not allowed. If the enable-debug-command option is "
                           "set to \"local\", you can run it from a local connection, otherwise "
                           "you need to set this option in the configuration file, and then "
                           "restart the server.");
    const std::string sub = ascii_lower(c.args[1]);
    const std::size_t n = c.args.size();
    if (sub == "help" && n == 2) {
        return reply_help(
            c,
            {"DEBUG <subcommand> [<arg> ...]: subcommands are:", "CHANGE-REPL-ID",
             "    Accepted; there is no replication to change.", "OBJECT <key>",
             "    Low-level facts about the value at <key>.", "QUICKLIST-PACKED-THRESHOLD <size>",
             "    Accepted; lists are not stored as quicklists here.", "SET-ACTIVE-EXPIRE <0|1>",
             "    Turns the active expiry of keys off (0) or on (1).", "SLEEP <seconds>",
             "    Stops this connection's event loop for <seconds> (fractions",
             "    allowed), as a busy server would.", "HELP", "    This text."});
    }
    if (sub == "sleep" && n == 3) {
        // Redis's strtod: anything that is not a number is 0.
        std::string text(c.args[2]);
        double seconds = std::strtod(text.c_str(), nullptr);
        if (seconds > 0)
            std::this_thread::sleep_for(
                std::chrono::microseconds(static_cast<long long>(std::min(seconds, 1e9) * 1e6)));
        return c.out.ok();
    }
    if (sub == "set-active-expire" && n == 3) {
        std::string text(c.args[2]);
        c.srv.active_expire = std::atoi(text.c_str()) != 0; // Redis's atoi
        return c.out.ok();
    }
    if (sub == "object" && n == 3) {
        entry* e = c.db().find_untouched(c.args[2], c.now_ms);
        if (!e) return c.out.error("ERR no such key");
        return c.out.simple(debug_object(c, *e));
    }
    if ((sub == "change-repl-id" && n == 2) || (sub == "quicklist-packed-threshold" && n == 3))
        return c.out.ok();
    c.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                std::string(c.args[1]) + "'. Try DEBUG HELP.");
}

} // namespace

void register_introspection_commands(command_table& t) {
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({"object", -2, cmd_readonly, 2, 2, 1, object_cmd});
    add({"memory", -2, cmd_readonly, 2, 2, 1, memory_cmd});
    add({.name = "debug",
         .arity = -2,
         .flags = cmd_admin,
         .first_key = 2,
         .last_key = 2,
         .key_step = 1,
         .fn = debug_cmd,
         .has_keys = debug_has_keys});
}

} // namespace corio_redis
