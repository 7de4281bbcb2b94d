// libFuzzer target: the append-only file's replay (persist/aof_replay.hpp), the input taken
// as an incremental file replayed into a private shard as corio-redis does at start-up.
// Oracles: only std::runtime_error comes out (a malformed file is refused, never a crash);
// the length of whole commands it reports is a command boundary (its prefix replays whole,
// to the same keys and values); nothing leaves an empty collection behind.
#include "commands/collection_random.hpp"
#include "persist/aof_replay.hpp"
#include "persist/rdb_encode.hpp"
#include "server.hpp"
#include "server_fixture.hpp"

#include <corio/engine.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

using namespace corio_redis;

constexpr std::int64_t now_ms = 1'700'000'000'000; // a fixed "now": expiries are the input's
constexpr std::size_t max_input = 64 * 1024;

[[noreturn]] void broken(const char* what) {
    std::fprintf(stderr, "aof_replay_fuzz: %s\n", what);
    std::abort();
}

using fixture = corio_fuzz::server_fixture;

fixture& the_fixture() {
    static fixture* f = new fixture; // never destroyed: nothing to tear down at exit
    return *f;
}

// Every key of every database, as (db, key) -> DUMP payload and expiry.
std::map<std::pair<std::size_t, std::string>, std::pair<std::string, std::int64_t>>
contents(shard& s) {
    std::map<std::pair<std::size_t, std::string>, std::pair<std::string, std::int64_t>> out;
    for (auto& d : s.dbs) {
        d.entries().for_each([&](std::string_view key, const db::entry& e) {
            const db::value_type t = e.val.type();
            const bool empty = (t == db::value_type::list && std::get<1>(e.val.data)->empty()) ||
                               (t == db::value_type::hash && std::get<2>(e.val.data)->empty()) ||
                               (t == db::value_type::set && std::get<3>(e.val.data)->empty());
            if (empty) broken("an empty collection was left in the keyspace");
            out[{d.index(), std::string(key)}] = {persist::dump_payload(e.val), e.expire_at};
        });
    }
    return out;
}

// Replays `bytes` into a fresh shard: the whole commands' length (npos if refused) and what
// the shard then holds.
std::size_t
replay(fixture& f, std::string_view bytes,
       std::map<std::pair<std::size_t, std::string>, std::pair<std::string, std::int64_t>>& held) {
    shard part(0, f.engine->get_loop(0), f.cfg.databases());
    collection_rng().seed(1); // SPOP and friends: the same picks every replay
    std::size_t whole = std::string_view::npos;
    try {
        whole = persist::replay_commands(*f.srv, part, bytes, "fuzz", now_ms);
    } catch (const std::runtime_error&) {
        // a malformed file: refused, as the server refuses to start on it
    }
    held = contents(part);
    return whole;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > max_input) return -1;
    fixture& f = the_fixture();
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    std::map<std::pair<std::size_t, std::string>, std::pair<std::string, std::int64_t>> all, prefix;
    const std::size_t whole = replay(f, bytes, all);
    if (whole == std::string_view::npos) return 0;
    if (whole > size) broken("whole commands longer than the input");
    if (replay(f, bytes.substr(0, whole), prefix) != whole)
        broken("the whole commands' prefix does not replay whole");
    if (prefix != all) broken("the prefix replays to other keys or values than the file");
    return 0;
}
