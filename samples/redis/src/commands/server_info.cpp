// Server commands: TIME, INFO (Redis's sections and field names, the ones corio knows),
// CONFIG GET/SET/RESETSTAT and SHUTDOWN; COMMAND is in command_info.cpp.
#include "../server.hpp"
#include "command_info.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fmt/format.h>
#include <string>

namespace corio_redis {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

void time_cmd(command_context& c) {
    using namespace std::chrono;
    auto us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    c.out.array(2);
    c.out.bulk(std::to_string(us / 1000000));
    c.out.bulk(std::to_string(us % 1000000));
}

void info(command_context& c) {
    auto& srv = c.srv;
    std::string section = c.args.size() > 1 ? lower(c.args[1]) : "default";
    bool all = section == "all" || section == "everything" || section == "default";
    std::string text;
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::steady_clock::now() - srv.started)
                      .count();
    if (all || section == "server") {
        text += fmt::format("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"
                            "os:Linux\r\narch_bits:64\r\nmultiplexing_api:epoll\r\n"
                            "process_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{}\r\n"
                            "uptime_in_days:{}\r\nhz:10\r\nexecutable:corio-redis\r\n"
                            "config_file:{}\r\ncorio_loops:{}\r\n\r\n",
                            ::getpid(), srv.cfg().port(), uptime, uptime / 86400,
                            srv.cfg().config_file(), srv.shard_count());
    }
    if (all || section == "clients") {
        std::size_t max_in = 0, max_out = 0;
        for (std::size_t s = 0; s < srv.shard_count(); ++s) {
            max_in = std::max(max_in, srv.shard_at(s).recent_input.get());
            max_out = std::max(max_out, srv.shard_at(s).recent_output.get());
        }
        text += fmt::format("# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\n"
                            "maxclients:{}\r\nclient_recent_max_input_buffer:{}\r\n"
                            "client_recent_max_output_buffer:{}\r\nblocked_clients:{}\r\n"
                            "tracking_clients:0\r\nclients_in_timeout_table:{}\r\n\r\n",
                            srv.connected_clients.load(), srv.cfg().maxclients(), max_in, max_out,
                            srv.blocked_clients.load(), srv.clients_in_timeout_table.load());
    }
    if (all || section == "stats") {
        text += fmt::format("# Stats\r\ntotal_connections_received:{}\r\n"
                            "total_commands_processed:{}\r\nrejected_connections:{}\r\n\r\n",
                            srv.total_connections.load(), srv.total_commands.load(),
                            srv.rejected_connections.load());
    }
    if (all || section == "replication")
        text += "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n\r\n";
    if (all || section == "keyspace") {
        text += "# Keyspace\r\n";
        for (std::size_t d = 0; d < srv.cfg().databases(); ++d) {
            std::size_t keys = 0, expires = 0;
            for (std::size_t s = 0; s < srv.shard_count(); ++s) {
                keys += srv.shard_at(s).dbs[d].size_seen();
                expires += srv.shard_at(s).dbs[d].expiring_seen();
            }
            if (keys)
                text += fmt::format("db{}:keys={},expires={},avg_ttl=0\r\n", d, keys, expires);
        }
        text += "\r\n";
    }
    if (!text.empty() && text.ends_with("\r\n\r\n")) text.resize(text.size() - 2);
    c.out.bulk(text);
}

void config_cmd(command_context& c) {
    std::string sub = lower(c.args[1]);
    auto& cfg = c.srv.cfg();
    if (sub == "get" && c.args.size() >= 3) {
        std::vector<std::string> names;
        for (std::size_t i = 2; i < c.args.size(); ++i)
            for (auto& n : cfg.matching(c.args[i]))
                if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        c.out.map(names.size());
        for (auto& n : names) {
            c.out.bulk(n);
            c.out.bulk(*cfg.get(n));
        }
        return;
    }
    if (sub == "set" && c.args.size() >= 4 && c.args.size() % 2 == 0) {
        for (std::size_t i = 2; i + 1 < c.args.size(); i += 2) {
            std::string error;
            std::string name = lower(c.args[i]);
            static constexpr std::string_view fixed[] = {"port", "bind", "databases", "loops",
                                                         "daemonize"};
            if (std::find(std::begin(fixed), std::end(fixed), name) != std::end(fixed))
                return c.out.error("ERR CONFIG SET failed (possibly related to argument '" +
                                   std::string(c.args[i]) + "') - can't set immutable config");
            if (!cfg.get(name))
                return c.out.error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                                   std::string(c.args[i]) + "'");
            std::vector<std::string> words;
            std::string v(c.args[i + 1]);
            for (std::size_t p = 0; p <= v.size();) {
                auto q = v.find(' ', p);
                if (q == std::string::npos) q = v.size();
                if (q > p) words.push_back(v.substr(p, q - p));
                p = q + 1;
            }
            if (words.empty()) words.emplace_back();
            if (!cfg.set(name, words, error))
                return c.out.error("ERR CONFIG SET failed (possibly related to argument '" +
                                   std::string(c.args[i]) + "') - " + error);
        }
        return c.out.ok();
    }
    if (sub == "resetstat" && c.args.size() == 2) {
        c.srv.total_commands = 0;
        c.srv.total_connections = 0;
        return c.out.ok();
    }
    if (sub == "get" || sub == "set" || sub == "resetstat")
        return reply_wrong_arity(c.out, "config|" + sub);
    c.out.error("ERR unknown subcommand '" + std::string(c.args[1]) + "'. Try CONFIG HELP.");
}

void shutdown(command_context& c) {
    for (std::size_t i = 1; i < c.args.size(); ++i) {
        if (!iequals(c.args[i], "nosave") && !iequals(c.args[i], "save") &&
            !iequals(c.args[i], "now") && !iequals(c.args[i], "force"))
            return reply_syntax_error(c.out);
    }
    c.srv.engine().stop();
    c.client.close_after_reply = true; // Redis replies nothing: the connection just closes
}

} // namespace

void register_server_commands(command_table& t) {
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({"time", 1, cmd_keyless | cmd_fast, 0, 0, 0, time_cmd});
    add({"info", -1, cmd_keyless, 0, 0, 0, info});
    add({"config", -2, cmd_keyless | cmd_admin | cmd_container, 0, 0, 0, config_cmd});
    add({"command", -1, cmd_keyless | cmd_container, 0, 0, 0, command_cmd});
    add({"shutdown", -1, cmd_connection | cmd_admin, 0, 0, 0, shutdown});
}

} // namespace corio_redis
