// Server commands: TIME, INFO (Redis's sections and field names, the ones corio knows;
// info_sections.cpp has several), CONFIG GET/SET/RESETSTAT/REWRITE and SHUTDOWN; COMMAND is
// in command_info.cpp.
#include "../ascii.hpp"
#include "../process_info.hpp"
#include "../server.hpp"
#include "command_info.hpp"
#include "info_sections.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fmt/format.h>
#include <string>

namespace corio_redis {
namespace {

void time_cmd(command_context& c) {
    using namespace std::chrono;
    auto us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    c.out.array(2);
    c.out.bulk(std::to_string(us / 1000000));
    c.out.bulk(std::to_string(us % 1000000));
}

void info(command_context& c) {
    auto& srv = c.srv;
    // The sections asked for, any number of them, in any case: names, "default" (all but
    // commandstats and latencystats), "all" or "everything" (all of them).
    std::vector<std::string> asked;
    for (std::size_t i = 1; i < c.args.size(); ++i) asked.push_back(ascii_lower(c.args[i]));
    if (asked.empty()) asked.emplace_back("default");
    auto want = [&](std::string_view section) {
        for (const auto& a : asked) {
            if (a == section || a == "all" || a == "everything") return true;
            if (a == "default" && section != "commandstats" && section != "latencystats")
                return true;
        }
        return false;
    };
    std::string text;
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::steady_clock::now() - srv.started)
                      .count();
    const bool counted =
        want("persistence") || want("stats") || want("commandstats") || want("errorstats");
    const stats_totals totals = counted ? srv.totals() : stats_totals{};
    if (want("server")) {
        // corio's own: the keys each loop's shard holds (all databases), as counted at each
        // database's last change, so that an uneven spread across loops shows.
        std::string per_loop;
        for (std::size_t i = 0; i < srv.shard_count(); ++i) {
            std::size_t keys = 0;
            for (const auto& d : srv.shard_at(i).dbs) keys += d.size_seen();
            per_loop += fmt::format("{}{}", i ? "," : "", keys);
        }
        text += fmt::format("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"
                            "os:Linux\r\narch_bits:64\r\nmultiplexing_api:epoll\r\n"
                            "process_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{}\r\n"
                            "uptime_in_days:{}\r\nhz:10\r\nexecutable:corio-redis\r\n"
                            "config_file:{}\r\ncorio_loops:{}\r\ncorio_keys_per_loop:{}\r\n\r\n",
                            ::getpid(), srv.cfg().port(), uptime, uptime / 86400,
                            srv.cfg().config_file(), srv.shard_count(), per_loop);
    }
    if (want("clients")) {
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
    if (want("memory")) text += info_memory(srv) + "\r\n";
    if (want("persistence")) text += info_persistence(srv, totals) + "\r\n";
    if (want("stats")) text += info_stats(srv, totals) + "\r\n";
    if (want("replication")) text += "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n\r\n";
    if (want("cpu")) text += info_cpu() + "\r\n";
    if (want("modules")) text += "# Modules\r\n\r\n";
    if (want("commandstats")) text += info_commandstats(srv, totals) + "\r\n";
    if (want("errorstats")) text += info_errorstats(srv, totals) + "\r\n";
    if (want("latencystats")) text += "# Latencystats\r\n\r\n"; // no percentiles kept yet
    if (want("cluster")) text += "# Cluster\r\ncluster_enabled:0\r\n\r\n";
    if (want("keyspace")) {
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
    std::string sub = ascii_lower(c.args[1]);
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
            std::string name = ascii_lower(c.args[i]);
            static constexpr std::string_view fixed[] = {
                "port", "bind", "databases", "loops", "daemonize", "enable-debug-command",
                // read once, at start-up
                "aclfile", "tls-port", "tls-cert-file", "tls-key-file", "tls-ca-cert-file",
                "tls-auth-clients"};
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
            // requirepass is the default user's password, as in Redis.
            if (name == "requirepass") c.srv.acl().set_default_password(c.args[i + 1]);
            // The append-only file starts (with a rewrite) or stops; appendfsync applies at once.
            if (name == "appendonly" || name == "appendfsync") c.srv.aof().config_changed();
        }
        return c.out.ok();
    }
    if (sub == "resetstat" && c.args.size() == 2) {
        c.srv.reset_stats();
        c.srv.total_connections = 0;
        c.srv.rejected_connections = 0;
        c.srv.client_query_buffer_limit_disconnections = 0;
        c.srv.client_output_buffer_limit_disconnections = 0;
        c.srv.memory_peak = allocated_bytes();
        return c.out.ok();
    }
    if (sub == "rewrite" && c.args.size() == 2) {
        std::string error;
        if (!cfg.rewrite(error)) return c.out.error("ERR " + error);
        return c.out.ok();
    }
    if (sub == "get" || sub == "set" || sub == "resetstat" || sub == "rewrite")
        return reply_wrong_arity(c.out, "config|" + sub);
    c.out.error("ERR unknown subcommand '" + std::string(c.args[1]) + "'. Try CONFIG HELP.");
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: the engine stops gracefully; the final save
// (if any) runs once every client is gone (server::save_at_shutdown). A directory the save
// could not write to is found here first, so that the client hears of it, as in Redis.
void shutdown(command_context& c) {
    bool save = false, nosave = false, force = false, abort = false;
    for (std::size_t i = 1; i < c.args.size(); ++i) {
        if (iequals(c.args[i], "nosave"))
            nosave = true;
        else if (iequals(c.args[i], "save"))
            save = true;
        else if (iequals(c.args[i], "force"))
            force = true;
        else if (iequals(c.args[i], "abort"))
            abort = true;
        else if (!iequals(c.args[i], "now"))
            return reply_syntax_error(c.out);
    }
    if ((save && nosave) || (abort && c.args.size() > 2)) return reply_syntax_error(c.out);
    if (abort) return c.out.error("ERR No shutdown in progress.");
    const bool saving = save || (!nosave && !c.srv.cfg().save_points().empty());
    if (saving && !force) {
        std::string dir = c.srv.cfg().dir();
        if (::access(dir.empty() ? "." : dir.c_str(), W_OK) != 0) {
            c.srv.engine().log(corio::log_level::warn,
                               "Error trying to save the DB: the directory " + dir +
                                   " is not writable; not shutting down");
            return c.out.error("ERR Errors trying to SHUTDOWN. Check logs.");
        }
    }
    c.srv.shutdown_mode.store(save     ? server::shutdown_save::save
                              : nosave ? server::shutdown_save::nosave
                                       : server::shutdown_save::configured);
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
