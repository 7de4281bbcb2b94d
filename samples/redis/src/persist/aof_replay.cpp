// Reading the append-only directory; see aof_replay.hpp.
#include "aof_replay.hpp"
#include "../ascii.hpp"

#include "../commands/encoding.hpp"
#include "../resp/request_parser.hpp"
#include "../server.hpp"
#include "rdb_decode.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace corio_redis::persist {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("Can't open the append only file " + path + ": " +
                                 std::strerror(errno));
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
}

} // namespace

std::size_t replay_commands(server& srv, shard& part, std::string_view bytes,
                            const std::string& name, std::int64_t now_ms) {
    client_state client;
    std::vector<std::string_view> args;
    std::deque<std::string> owned;
    resp::parser_limits limits;
    limits.max_bulk_len = std::size_t{1} << 40; // what the server accepted, it reads back
    std::string sink;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        if (bytes[pos] != '*')
            throw std::runtime_error(fmt::format(
                "Bad file format reading the append only file {} at offset {}", name, pos));
        args.clear();
        owned.clear();
        resp::parse_result r = resp::parse_request(bytes.substr(pos), limits, args, owned);
        if (r.status == resp::parse_status::incomplete) return pos;
        if (r.status == resp::parse_status::error)
            throw std::runtime_error(
                fmt::format("Bad file format reading the append only file {} at offset {}: {}",
                            name, pos, r.error));
        pos += r.consumed;
        if (r.status == resp::parse_status::empty || args.empty()) continue;
        const std::string command = ascii_lower(args[0]);
        if (command == "select") {
            long long db = 0;
            if (args.size() != 2 || !parse_integer(args[1], db) || db < 0 ||
                static_cast<std::size_t>(db) >= part.dbs.size())
                throw std::runtime_error(fmt::format(
                    "Bad SELECT reading the append only file {} at offset {}", name, pos));
            client.db = static_cast<std::size_t>(db);
            continue;
        }
        if (command == "multi" || command == "exec") continue; // the commands inside count
        const command_spec* spec = srv.lookup(command);
        if (!spec)
            throw std::runtime_error(
                fmt::format("Unknown command '{}' reading the append only file {}", args[0], name));
        // Only writes change anything; the session's own commands (blocking, transactions,
        // pub/sub, connection state) are never logged and have no plain implementation.
        constexpr std::uint32_t not_replayed =
            cmd_blocking | cmd_transaction | cmd_pubsub | cmd_connection;
        if (!(spec->flags & cmd_write) || spec->flags & not_replayed) continue;
        // The session checks the arity before a command runs, and the implementations count
        // on it (LPUSH with no element would leave an empty list: found by aof_replay_fuzz).
        const std::size_t argc = args.size();
        if (spec->arity > 0 ? argc != static_cast<std::size_t>(spec->arity)
                            : argc < static_cast<std::size_t>(-spec->arity))
            throw std::runtime_error(fmt::format(
                "Bad file format reading the append only file {}: wrong number of arguments "
                "for '{}' at offset {}",
                name, args[0], pos));
        sink.clear();
        resp::reply out(sink, 2);
        command_context ctx{args, client, srv, &part, out, now_ms};
        spec->fn(ctx);
    }
    return pos;
}

aof_manifest read_manifest(const std::string& text) {
    aof_manifest m;
    std::istringstream lines(text);
    std::size_t max_shard = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string file, type, key, value;
        std::uint64_t seq = 0;
        std::size_t shard = 0;
        for (std::string k, v; words >> k >> v;) {
            if (k == "file")
                file = v;
            else if (k == "seq")
                seq = std::stoull(v);
            else if (k == "type")
                type = v;
            else if (k == "shard")
                shard = std::stoul(v);
        }
        if (file.empty() || type.empty())
            throw std::runtime_error("Invalid AOF manifest line: " + line);
        if (type == "b") {
            m.base = file;
        } else if (type == "i") {
            m.incr.emplace_back(shard, file);
            m.seq = std::max(m.seq, seq);
            max_shard = std::max(max_shard, shard);
        } // "h": history, a file a rewrite left to delete
    }
    m.shards = max_shard + 1;
    return m;
}

replay_result replay_aof(server& srv, const std::string& dir, const aof_manifest& m,
                         bool load_truncated) {
    replay_result result;
    const std::int64_t now = unix_ms();
    const std::size_t databases = srv.cfg().databases();
    std::vector<std::unique_ptr<shard>> parts;
    for (std::size_t i = 0; i < m.shards; ++i)
        parts.push_back(std::make_unique<shard>(i, srv.engine().get_loop(0), databases));
    if (!m.base.empty()) {
        const std::string path = dir + "/" + m.base;
        const std::string bytes = read_all(path);
        if (bytes.starts_with("REDIS")) {
            auto on_key = [&](std::size_t db, std::string key, db::value v, std::int64_t expire_at,
                              long long idle, int freq) {
                if (db >= databases)
                    throw std::runtime_error(fmt::format(
                        "The AOF base {} holds database {}: more than the {} configured", path, db,
                        databases));
                settle_encoding(v, srv.cfg());
                db::database& d = parts[shard_index(key, m.shards)]->dbs[db];
                bool created = false;
                db::entry& e = d.find_or_create(key, now, created);
                e.val = std::move(v);
                if (expire_at != 0) d.set_expiry(key, e, expire_at);
                set_idle_or_frequency(e, srv.cfg(), now, idle, freq);
            };
            try {
                load_rdb(bytes, now, on_key, nullptr);
            } catch (const rdb_error& e) {
                throw std::runtime_error("Bad AOF base " + path + ": " + e.what());
            }
        } else if (m.shards == 1) {
            replay_commands(srv, *parts[0], bytes, path, now);
        } else {
            throw std::runtime_error("The AOF base " + path +
                                     " is made of commands, which more than one shard cannot "
                                     "share: write it again with aof-use-rdb-preamble yes");
        }
    }
    for (std::size_t i = 0; i < m.incr.size(); ++i) {
        const auto& [shard_index_of_file, name] = m.incr[i];
        const std::string path = dir + "/" + name;
        std::string bytes;
        try {
            bytes = read_all(path);
        } catch (const std::runtime_error&) {
            if (i + 1 == m.incr.size() || m.incr[i + 1].first != shard_index_of_file)
                continue; // the newest file of a shard not made yet: nothing was logged
            throw;
        }
        const std::size_t whole =
            replay_commands(srv, *parts[shard_index_of_file], bytes, path, now);
        if (whole == bytes.size()) continue;
        if (!load_truncated)
            throw std::runtime_error(fmt::format(
                "Unexpected end of file reading the append only file {}. You can: 1) Make a "
                "backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                "2) Alternatively you can set the 'aof-load-truncated' configuration option to "
                "yes and restart the server.",
                path));
        result.warnings.push_back(fmt::format(
            "!!! Warning: short read while loading the AOF file {}!!! AOF loaded anyway because "
            "aof-load-truncated is enabled; the last {} bytes (a command cut short) were "
            "removed",
            path, bytes.size() - whole));
        if (::truncate(path.c_str(), static_cast<off_t>(whole)) != 0)
            throw std::runtime_error("Can't truncate " + path + ": " + std::strerror(errno));
    }
    // The private shards become the real ones; with another shard count, keys move.
    for (std::size_t i = 0; i < parts.size(); ++i) {
        for (std::size_t d = 0; d < databases; ++d) {
            db::database& from = parts[i]->dbs[d];
            if (parts.size() == srv.shard_count()) {
                srv.shard_at(i).dbs[d].swap_contents(from);
                continue;
            }
            from.entries().for_each([&](std::string_view key, db::entry& e) {
                if (e.expire_at != 0 && e.expire_at <= now) return;
                db::database& to = srv.shard_at(srv.shard_of(key)).dbs[d];
                bool created = false;
                db::entry& moved = to.find_or_create(key, now, created);
                moved.val = std::move(e.val);
                if (e.expire_at != 0) to.set_expiry(key, moved, e.expire_at);
                db::keyspace::set_access(moved, db::keyspace::access_of(e));
            });
        }
    }
    for (std::size_t s = 0; s < srv.shard_count(); ++s)
        for (const auto& d : srv.shard_at(s).dbs) result.keys += d.size();
    return result;
}

} // namespace corio_redis::persist
