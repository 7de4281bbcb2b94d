// libFuzzer target: corio-redis's commands, each called as the session calls it
// (command_spec::fn through a command_context) with fuzzed arguments, on a private shard
// holding a small keyspace seeded per input. Input format and oracles: tests/fuzz/README.md.
#include "commands/collection_random.hpp"
#include "persist/rdb_decode.hpp"
#include "resp_check.hpp"
#include "server.hpp"
#include "server_fixture.hpp"

#include <corio/engine.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace corio_redis;

// A fixed "now": expiries, TTL replies and access times depend on the input alone.
constexpr std::int64_t now_ms = 1'700'000'000'000;
// Work per input is bounded by these and by proto-max-bulk-len (1mb here), which caps every
// string a command may grow (SETRANGE, SETBIT, APPEND) and LCS's table.
constexpr std::size_t max_commands = 4, max_args = 12, max_arg_len = 512;
constexpr char command_separator = '\xfe', field_separator = '\xff';

[[noreturn]] void broken(std::string_view what, std::string_view detail = {}) {
    std::string shown;
    for (char c : detail.substr(0, 400)) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f && c != '\\') {
            shown += c;
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            shown += "\\x";
            shown += hex[u >> 4];
            shown += hex[u & 15];
        }
    }
    std::fprintf(stderr, "command_fuzz: %.*s %s\n", static_cast<int>(what.size()), what.data(),
                 shown.c_str());
    std::abort();
}

// Commands whose fn this target calls: not those the session runs itself (their fn is a
// placeholder, or they need the session: transactions, blocking pops, pub/sub, connection
// state such as SELECT, AUTH, HELLO, CLIENT, ACL, MONITOR, SHUTDOWN, RESET, QUIT), nor SCAN,
// SAVE and BGSAVE (session-run as well), nor DEBUG (SLEEP, RELOAD, SET-ACTIVE-EXPIRE act on
// the process). The keyspace-wide ones (KEYS, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, RANDOMKEY,
// SLOWLOG) stay: with one shard the session calls their fn on it directly, as here.
bool runnable(const command_spec& s) {
    constexpr std::uint32_t session_runs =
        cmd_transaction | cmd_blocking | cmd_pubsub | cmd_connection;
    if (s.flags & session_runs) return false;
    static constexpr std::string_view session_or_process[] = {"scan", "save", "bgsave", "debug"};
    return std::find(std::begin(session_or_process), std::end(session_or_process), s.name) ==
           std::end(session_or_process);
}

// Calls of runnable commands left out: CONFIG SET would change the server's configuration
// for every later input (so that a crash would not reproduce alone) and could lift the size
// limit that bounds the work; SRANDMEMBER and HRANDFIELD with a large negative count reply
// that many elements, as in Redis.
bool left_out(const command_spec& s, std::span<const std::string_view> args) {
    if (s.name == "config") return args.size() > 1 && iequals(args[1], "set");
    if (s.name == "srandmember" || s.name == "hrandfield") {
        long long n = 0;
        return args.size() > 2 && parse_integer(args[2], n) && n < -1000;
    }
    return false;
}

// The session's checks before a command runs (session.cpp's arity_ok, session.hpp's refuse).
bool arity_fits(const command_spec& s, std::size_t argc) {
    if (s.arity >= 0 ? argc != static_cast<std::size_t>(s.arity)
                     : argc < static_cast<std::size_t>(-s.arity))
        return false;
    // Key-value pairs (MSET): an odd count is refused as an arity error.
    if (s.key_step > 1 && s.last_key < 0 && s.first_key > 0) {
        const auto first = static_cast<std::size_t>(s.first_key);
        return argc >= first && (argc - first) % static_cast<std::size_t>(s.key_step) == 0;
    }
    return true;
}

// The server for the whole run (server_fixture.hpp), and the commands this target calls.
struct fixture : corio_fuzz::server_fixture {
    std::vector<const command_spec*> picks; // the runnable ones by name: stable across builds

    fixture() {
        for (const auto& [name, spec] : srv->commands())
            if (runnable(spec)) picks.push_back(&spec);
        std::sort(picks.begin(), picks.end(),
                  [](const command_spec* a, const command_spec* b) { return a->name < b->name; });
    }
};

fixture& the_fixture() {
    static fixture* f = new fixture; // never destroyed: nothing to tear down at exit
    return *f;
}

// Runs one seeding command (its reply must not be an error: that would be this file's bug).
void seed_with(fixture& f, shard& home, std::size_t db,
               std::initializer_list<std::string_view> words) {
    client_state client;
    client.db = db;
    std::string bytes;
    resp::reply out(bytes);
    const std::vector<std::string_view> args(words);
    const command_spec* spec = f.srv->lookup(args[0]);
    if (!spec) broken("seed: no such command", args[0]);
    command_context c{args, client, *f.srv, &home, out, now_ms};
    spec->fn(c);
    if (bytes.empty() || bytes[0] == '-') broken("seed failed:", bytes);
}

// A few keys of every type and encoding, in databases 0 and 1, and one that has expired but
// is still stored (lazy expiry finds it).
void seed(fixture& f, shard& home) {
    const std::string big(100, 'x'); // long enough for LZF in DUMP
    seed_with(f, home, 0, {"set", "str", "hello"});
    seed_with(f, home, 0, {"set", "num", "42"});
    seed_with(f, home, 0, {"set", "flt", "3.5"});
    seed_with(f, home, 0, {"set", "big", big});
    seed_with(f, home, 0, {"set", "ttl", "v", "px", "60000"});
    seed_with(f, home, 0, {"setbit", "bits", "13", "1"});
    seed_with(f, home, 0, {"rpush", "list", "a", "b", "c", "1", "2", "3"});
    seed_with(f, home, 0, {"hset", "hash", "f1", "v1", "f2", "2", "f3", "3.5"});
    seed_with(f, home, 0, {"hset", "bighash", "f", big});
    seed_with(f, home, 0, {"sadd", "set", "a", "b", "c"});
    seed_with(f, home, 0, {"sadd", "iset", "1", "2", "3", "-5"});
    seed_with(f, home, 1, {"set", "str", "other"});
    seed_with(f, home, 1, {"rpush", "list", "x"});
    db::database& d = home.dbs[0];
    db::entry& gone = d.put("gone", db::value::of_string("old"), now_ms);
    d.set_expiry("gone", gone, now_ms - 1000);
}

// Invariants of every database after every command: no key holds an empty list, hash or
// set (Redis deletes them); a set marked as an intset holds integers only; the key count
// and the set of keys with an expiry (what active expiry samples) match the entries.
void check_keyspace(shard& home) {
    for (auto& d : home.dbs) {
        std::size_t keys = 0, expiring = 0;
        d.entries().for_each([&](std::string_view key, const db::entry& e) {
            ++keys;
            if (e.expire_at != 0) ++expiring;
            if (persist::empty_collection(e.val)) broken("an empty collection left at", key);
            if (e.val.type() != db::value_type::set) return;
            const db::set_type& s = *std::get<3>(e.val.data);
            long long n = 0;
            if (!s.hashtable)
                for (const std::string& m : s)
                    if (!parse_integer(m, n)) broken("an intset holding a non-integer at", key);
        });
        if (keys != d.size()) broken("a key count that is not the number of keys");
        if (expiring != d.expiring()) broken("the tracked expiring keys are not those that expire");
    }
}

// The input's commands: fields separated by 0xff (the name, then the arguments), commands
// by 0xfe; capped in number and length.
std::vector<std::vector<std::string>> split_commands(std::string_view in) {
    std::vector<std::vector<std::string>> commands(1, std::vector<std::string>(1));
    bool full = false; // this command has all the arguments it may: the rest is dropped
    for (char c : in) {
        auto& fields = commands.back();
        if (c == command_separator) {
            if (commands.size() == max_commands) break;
            commands.emplace_back(1);
            full = false;
        } else if (c == field_separator) {
            if (fields.size() == 1 + max_args)
                full = true;
            else if (!full)
                fields.emplace_back();
        } else if (!full && fields.back().size() < max_arg_len) {
            fields.back() += c;
        }
    }
    return commands;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    fixture& f = the_fixture();
    // The first byte: bit 0 RESP3, bit 1 the client on database 1, bit 2 an empty keyspace.
    const std::uint8_t mode = data[0];
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

    collection_rng().seed(1); // SPOP, SRANDMEMBER, HRANDFIELD: the same picks every run
    shard home(0, f.engine->get_loop(0), f.cfg.databases());
    for (auto& d : home.dbs) d.set_access_policy(&f.cfg.access_policy());
    if (!(mode & 4)) seed(f, home);

    client_state client;
    client.protocol = mode & 1 ? 3 : 2;
    client.db = mode & 2 ? 1 : 0;
    std::string bytes;
    resp::reply out(bytes, client.protocol);

    for (auto& fields : split_commands(rest)) {
        if (fields[0].empty()) continue;
        // The name as sent (any case), or for bytes that name no command, one picked by the
        // first byte, so that random bytes reach commands too.
        const command_spec* spec = f.srv->lookup(fields[0]);
        if (spec && !runnable(*spec)) continue;
        if (!spec) {
            spec = f.picks[static_cast<unsigned char>(fields[0][0]) % f.picks.size()];
            fields[0] = spec->name;
        }
        const std::vector<std::string_view> args(fields.begin(), fields.end());
        if (!arity_fits(*spec, args.size()) || left_out(*spec, args)) continue;

        command_context ctx{args, client, *f.srv, &home, out, now_ms};
        spec->fn(ctx);
        std::string why;
        if (!corio_fuzz::one_reply(bytes, client.protocol, why))
            broken(std::string(spec->name) + ": not one well-formed reply: " + why + ":", bytes);
        check_keyspace(home);
        bytes.clear();
    }
    return 0;
}
