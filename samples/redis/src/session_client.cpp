// CLIENT LIST, INFO, KILL, UNBLOCK and HELP, and the CLIENT LIST line itself. Every shard
// lists the sessions running on its loop (shard::sessions); these commands visit each loop
// in turn (visit_shards) and read or act on the sessions there, so the command path never
// takes a lock for them.
#include "session.hpp"

#include "acl/user.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace corio_redis::detail {
namespace {

struct subcommand {
    std::string_view name;
    int arity; // Redis's, counting CLIENT and the subcommand
};

// The CLIENT subcommands the session runs (the rest are in commands/connection.cpp).
constexpr subcommand session_subcommands[] = {
    {"list", -2},   {"info", 2},  {"kill", -3},    {"unblock", -3}, {"pause", -3},
    {"unpause", 2}, {"reply", 3}, {"no-evict", 3}, {"help", 2},
};

const subcommand* find_subcommand(std::string_view name) {
    for (const auto& s : session_subcommands)
        if (iequals(s.name, name)) return &s;
    return nullptr;
}

bool arity_fits(int arity, std::size_t argc) {
    return arity >= 0 ? argc == static_cast<std::size_t>(arity)
                      : argc >= static_cast<std::size_t>(-arity);
}

// CLIENT LIST's and KILL's TYPE names ("slave" is Redis's older word for replica).
enum class client_type { normal, master, replica, pubsub };

std::optional<client_type> parse_type(std::string_view s) {
    if (iequals(s, "normal")) return client_type::normal;
    if (iequals(s, "master")) return client_type::master;
    if (iequals(s, "replica") || iequals(s, "slave")) return client_type::replica;
    if (iequals(s, "pubsub")) return client_type::pubsub;
    return std::nullopt;
}

void reply_unknown_type(resp::reply& out, std::string_view name) {
    out.error("ERR Unknown client type '" + std::string(name) + "'");
}

// What CLIENT LIST writes after "cmd=name|": the subcommands corio knows, per command.
constexpr std::string_view client_subs[] = {"getname", "help",     "id",     "info",  "kill",
                                            "list",    "no-evict", "pause",  "reply", "setinfo",
                                            "setname", "unblock",  "unpause"};
constexpr std::string_view config_subs[] = {"get", "resetstat", "rewrite", "set"};
constexpr std::string_view acl_subs[] = {"cat",     "deluser", "dryrun", "genpass", "getuser",
                                         "help",    "list",    "load",   "log",     "save",
                                         "setuser", "users",   "whoami"};
constexpr std::string_view command_subs[] = {"count", "docs", "getkeys", "getkeysandflags",
                                             "help",  "info", "list"};
constexpr std::string_view pubsub_subs[] = {"channels", "numpat", "numsub"};
constexpr std::string_view object_subs[] = {"encoding", "freq", "help", "idletime", "refcount"};
constexpr std::string_view memory_subs[] = {"doctor", "help",  "malloc-stats",
                                            "purge",  "stats", "usage"};
constexpr std::string_view function_subs[] = {"delete", "dump", "flush",   "help", "kill",
                                              "list",   "load", "restore", "stats"};
constexpr std::string_view slowlog_subs[] = {"get", "help", "len", "reset"};
constexpr std::string_view latency_subs[] = {"doctor",  "graph",  "help", "histogram",
                                             "history", "latest", "reset"};

template <std::size_t N>
std::string_view find_in(const std::string_view (&names)[N], std::string_view sub) {
    for (auto n : names)
        if (iequals(n, sub)) return n;
    return {};
}

} // namespace

std::string_view known_subcommand(std::string_view command, std::string_view sub) {
    if (command == "client") return find_in(client_subs, sub);
    if (command == "config") return find_in(config_subs, sub);
    if (command == "acl") return find_in(acl_subs, sub);
    if (command == "command") return find_in(command_subs, sub);
    if (command == "pubsub") return find_in(pubsub_subs, sub);
    if (command == "object") return find_in(object_subs, sub);
    if (command == "memory") return find_in(memory_subs, sub);
    if (command == "function") return find_in(function_subs, sub);
    if (command == "slowlog") return find_in(slowlog_subs, sub);
    if (command == "latency") return find_in(latency_subs, sub);
    return {};
}

bool session::runs_in_session(const parsed_command& c) {
    return c.spec && c.spec->flags & cmd_container && c.spec->name == "client" && c.arg_count > 1 &&
           find_subcommand(c.argv[1]) != nullptr;
}

corio::task<> session::client_command(const parsed_command& c) {
    auto args = args_of(c);
    const subcommand* sub = find_subcommand(args[1]);
    if (!arity_fits(sub->arity, args.size())) {
        reply_wrong_arity(out_, "client|" + std::string(sub->name));
        co_return;
    }
    std::string_view name = sub->name;
    if (name == "list") {
        co_await client_list(c);
    } else if (name == "info") {
        std::string line;
        describe(line);
        line += '\n';
        out_.verbatim("txt", line);
    } else if (name == "kill") {
        co_await client_kill(c);
    } else if (name == "unblock") {
        co_await client_unblock(c);
    } else if (name == "pause") {
        client_pause(c);
    } else if (name == "unpause") {
        co_await client_unpause();
    } else if (name == "reply") {
        client_reply(c);
    } else if (name == "no-evict") {
        client_no_evict(c);
    } else {
        client_help();
    }
}

// The fields and their order are Redis 7.0's. Where corio has no such thing (a query
// buffer's free room, Redis's reply buffer), the value is fixed (docs/redis.md says which).
void session::describe(std::string& out) const {
    using namespace std::chrono;
    const auto now = steady_clock::now();
    auto seconds_since = [&](steady_clock::time_point t) {
        return duration_cast<seconds>(now - t).count();
    };
    char flags[8];
    std::size_t nflags = 0;
    if (subscribed()) flags[nflags++] = 'P';
    if (multi_.active) flags[nflags++] = 'x';
    if (blocked_ || pause_timer_) flags[nflags++] = 'b';
    if (watch_dirty_ && watch_dirty_->load()) flags[nflags++] = 'd';
    if (client_.close_after_reply) flags[nflags++] = 'c';
    if (killed_) flags[nflags++] = 'A';
    if (no_evict_) flags[nflags++] = 'e';
    if (nflags == 0) flags[nflags++] = 'N';

    std::size_t argv_mem = 0; // the arguments of the command under way, as Redis counts
    if (running_)
        for (auto a : args_of(*running_)) argv_mem += a.size();
    std::size_t multi_mem = 0; // what the queued commands take here
    for (const auto& q : multi_.commands)
        for (const auto& a : q) multi_mem += sizeof(std::string) + a.size();
    // Redis keeps 16 KB of reply in its buffer and lists the rest: obl, oll and omem say
    // the same of the bytes the connection has not sent yet.
    constexpr std::size_t chunk = 16 * 1024;
    const std::size_t pending = conn_.outbound_buffered();
    const std::size_t obl = std::min(pending, chunk);
    const std::size_t omem = pending - obl;
    const std::size_t oll = (omem + chunk - 1) / chunk;
    const std::size_t qbuf = conn_.inbound_buffered();
    const std::size_t total =
        sizeof(session) + sizeof(corio::connection) + qbuf + pending + argv_mem + multi_mem;
    const long long multi = multi_.active ? static_cast<long long>(multi_.commands.size()) : -1;
    std::string_view cmd = last_spec_ ? last_spec_->name : std::string_view("NULL");
    fmt::format_to(std::back_inserter(out),
                   "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} "
                   "psub={} ssub=0 multi={} qbuf={} qbuf-free=0 argv-mem={} multi-mem={} "
                   "rbs=1024 rbp=0 obl={} oll={} omem={} tot-mem={} events={} cmd={}{}{} "
                   "user={} redir=-1 resp={}",
                   client_.id, conn_.remote_address(), conn_.local_address(),
                   conn_.socket().native_handle(), client_.name, seconds_since(created_),
                   seconds_since(last_active_), std::string_view(flags, nflags), client_.db,
                   channels_.size(), patterns_.size(), multi, qbuf, argv_mem, multi_mem, obl, oll,
                   omem, total, pending > 0 ? "rw" : "r", cmd, last_sub_.empty() ? "" : "|",
                   last_sub_, client_.user->name(), client_.protocol);
}

// CLIENT LIST [TYPE type] | [ID id [id ...]]: sorted by id (Redis lists in connection
// order, which is nearly that), or in the order of the ids asked for, repeats included.
corio::task<> session::client_list(const parsed_command& c) {
    auto args = args_of(c);
    std::optional<client_type> type;
    std::vector<long long> ids;
    const bool by_id = args.size() > 3 && iequals(args[2], "id");
    if (args.size() == 4 && iequals(args[2], "type")) {
        type = parse_type(args[3]);
        if (!type) {
            reply_unknown_type(out_, args[3]);
            co_return;
        }
    } else if (by_id) {
        for (std::size_t i = 3; i < args.size(); ++i) {
            long long id = 0;
            if (!parse_integer(args[i], id)) {
                out_.error("ERR Invalid client ID");
                co_return;
            }
            ids.push_back(id);
        }
    } else if (args.size() != 2) {
        reply_syntax_error(out_);
        co_return;
    }
    std::vector<std::pair<std::uint64_t, std::string>> lines;
    auto visit = [&](shard& sh) {
        for (const session* s : sh.sessions) {
            if (s->killed_) continue; // going: Redis would have freed it already
            if (type && *type != (s->subscribed() ? client_type::pubsub : client_type::normal))
                continue;
            const auto id = static_cast<long long>(s->client_.id);
            if (by_id && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
            std::string line;
            s->describe(line);
            lines.emplace_back(s->client_.id, std::move(line));
        }
    };
    co_await visit_shards(srv_, here_, visit);
    std::sort(lines.begin(), lines.end());
    std::string text;
    auto add = [&](const std::string& line) {
        text += line;
        text += '\n';
    };
    if (by_id) {
        for (long long id : ids) {
            auto it = std::find_if(lines.begin(), lines.end(), [id](const auto& l) {
                return static_cast<long long>(l.first) == id;
            });
            if (it != lines.end()) add(it->second);
        }
    } else {
        for (const auto& l : lines) add(l.second);
    }
    out_.verbatim("txt", text);
}

// CLIENT KILL ip:port (+OK, or an error if no client has that address), or CLIENT KILL
// with filters: ID, TYPE, ADDR, LADDR, USER, SKIPME (the number killed). Redis 7.0 has no
// MAXAGE yet: it is a syntax error there, and here. A client that kills itself is closed
// after the reply; any other at once (kill()).
corio::task<> session::client_kill(const parsed_command& c) {
    auto args = args_of(c);
    struct {
        std::optional<long long> id;
        std::optional<client_type> type;
        std::optional<std::string_view> addr, laddr, user;
        bool skipme = true;
    } f;
    const bool old_form = args.size() == 3;
    if (old_form) {
        f.addr = args[2];
        f.skipme = false;
    }
    for (std::size_t i = 2; !old_form && i < args.size(); i += 2) {
        if (i + 1 >= args.size()) {
            reply_syntax_error(out_);
            co_return;
        }
        std::string_view opt = args[i], value = args[i + 1];
        if (iequals(opt, "id")) {
            long long id = 0;
            if (!parse_integer(value, id) || id < 1) {
                out_.error("ERR client-id should be greater than 0");
                co_return;
            }
            f.id = id;
        } else if (iequals(opt, "type")) {
            f.type = parse_type(value);
            if (!f.type) {
                reply_unknown_type(out_, value);
                co_return;
            }
        } else if (iequals(opt, "addr")) {
            f.addr = value;
        } else if (iequals(opt, "laddr")) {
            f.laddr = value;
        } else if (iequals(opt, "user")) {
            if (!srv_.acl().find(value).rules) {
                out_.error("ERR No such user '" + std::string(value) + "'");
                co_return;
            }
            f.user = value;
        } else if (iequals(opt, "skipme") && (iequals(value, "yes") || iequals(value, "no"))) {
            f.skipme = iequals(value, "yes");
        } else {
            reply_syntax_error(out_);
            co_return;
        }
    }
    long long killed = 0;
    auto visit = [&](shard& sh) {
        if (old_form && killed > 0) return; // the old form kills one client
        // Picked first, acted on after: nothing here may change the list while it is read.
        std::vector<session*> victims;
        for (session* s : sh.sessions) {
            if (s->killed_ || (f.skipme && s == this)) continue;
            if (f.id && static_cast<long long>(s->client_.id) != *f.id) continue;
            if (f.type && *f.type != (s->subscribed() ? client_type::pubsub : client_type::normal))
                continue;
            if (f.addr && s->conn_.remote_address() != *f.addr) continue;
            if (f.laddr && s->conn_.local_address() != *f.laddr) continue;
            if (f.user && s->client_.user->name() != *f.user) continue;
            victims.push_back(s);
            if (old_form) break;
        }
        for (session* s : victims) {
            ++killed;
            if (s == this)
                client_.close_after_reply = true;
            else
                s->kill();
        }
    };
    co_await visit_shards(srv_, here_, visit);
    if (!old_form)
        out_.integer(killed);
    else if (killed > 0)
        out_.ok();
    else
        out_.error("ERR No such client");
}

void session::kill() {
    killed_ = true;
    if (pause_timer_) pause_timer_->cancel();
    // Blocked: claimed here, so that no shard serves it; the empty reply only wakes it.
    if (blocked_ && !blocked_->claimed.exchange(true))
        blocked_->done.try_send(boost::system::error_code{}, std::string());
    // The peer sees the close now; a read, or a flush waiting on a peer that does not read,
    // ends at once, and the session leaves.
    boost::system::error_code ignored;
    conn_.socket().shutdown(corio::connection::socket_type::shutdown_both, ignored);
    conn_.set_read_deadline(corio::connection::clock::now());
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: a client waiting in a blocking pop gets the reply of a
// timeout, or the UNBLOCKED error, now (1); anyone else is left alone (0). A client held by
// CLIENT PAUSE is not blocked in this sense.
corio::task<> session::client_unblock(const parsed_command& c) {
    auto args = args_of(c);
    if (args.size() > 4) {
        out_.error("ERR unknown subcommand or wrong number of arguments for '" +
                   std::string(args[1]) + "'. Try CLIENT HELP.");
        co_return;
    }
    bool as_error = false;
    if (args.size() == 4) {
        if (iequals(args[3], "error")) {
            as_error = true;
        } else if (!iequals(args[3], "timeout")) {
            out_.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            co_return;
        }
    }
    long long id = 0;
    if (!parse_integer(args[2], id)) {
        reply_not_integer(out_);
        co_return;
    }
    bool unblocked = false;
    auto visit = [&](shard& sh) {
        for (session* s : sh.sessions) {
            if (static_cast<long long>(s->client_.id) != id || s->killed_) continue;
            // Claimed here, the client is served by no shard; its reply is made in its own
            // protocol, as its timeout would be.
            if (s->blocked_ && !s->blocked_->claimed.exchange(true)) {
                std::string bytes;
                resp::reply r(bytes, s->blocked_->protocol);
                if (as_error)
                    r.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
                else
                    r.null_array();
                s->blocked_->done.try_send(boost::system::error_code{}, std::move(bytes));
                unblocked = true;
            }
            return;
        }
    };
    co_await visit_shards(srv_, here_, visit);
    out_.integer(unblocked ? 1 : 0);
}

// In corio's words, not Redis's: the subcommands it has.
void session::client_help() {
    static constexpr std::string_view lines[] = {
        "CLIENT <subcommand> [<arg> ...]. Subcommands:",
        "ID -- this connection's id.",
        "GETNAME / SETNAME <name> -- this connection's name.",
        "SETINFO LIB-NAME|LIB-VER <value> -- what the client library says it is.",
        "INFO -- this connection, as a CLIENT LIST line.",
        "LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID <id> ...] -- the connections.",
        "KILL <ip:port> -- close the connection from that address.",
        "KILL <filter> <value> ... -- close the connections that match every filter: ID, "
        "TYPE, ADDR, LADDR, USER, SKIPME YES|NO (default YES); replies how many.",
        "PAUSE <milliseconds> [WRITE|ALL] -- hold every command (ALL) or writes (WRITE).",
        "UNPAUSE -- end a pause now.",
        "UNBLOCK <id> [TIMEOUT|ERROR] -- wake a client blocked in BLPOP and the like.",
        "REPLY ON|OFF|SKIP -- send replies, none, or not the next one.",
        "NO-EVICT ON|OFF -- accepted (corio-redis evicts no clients).",
        "HELP -- this text.",
    };
    out_.array(std::size(lines));
    for (auto l : lines) out_.simple(l);
}

} // namespace corio_redis::detail
