// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET and CLIENT ID/SETNAME/
// GETNAME/SETINFO. They run on the client's own loop: they read or change its state.
#include "../server.hpp"

#include <cctype>
#include <string>

namespace corio_redis {
namespace {

void ping(command_context& c) {
    if (c.args.size() > 2) return reply_wrong_arity(c.out, "ping");
    if (c.args.size() == 2)
        c.out.bulk(c.args[1]);
    else
        c.out.simple("PONG");
}

void echo(command_context& c) {
    c.out.bulk(c.args[1]);
}

void quit(command_context& c) {
    c.out.ok();
    c.client.close_after_reply = true;
}

void select(command_context& c) {
    long long n = 0;
    if (!parse_integer(c.args[1], n)) return reply_not_integer(c.out);
    if (n < 0 || static_cast<std::size_t>(n) >= c.srv.cfg().databases())
        return c.out.error("ERR DB index is out of range");
    c.client.db = static_cast<std::size_t>(n);
    c.out.ok();
}

// AUTH [user] password and HELLO's AUTH: the session becomes that user's if it is on and the
// password fits (any password for a nopass user); a failure goes to ACL LOG, as in Redis,
// under the command's name as the client sent it.
bool check_auth(command_context& c, std::string_view user, std::string_view password) {
    auto found = c.srv.acl().authenticate(user, password);
    if (!found.rules) {
        c.client.acl_events.push_back({"auth", std::string(c.args[0]), std::string(user)});
        return false;
    }
    c.client.user = std::move(found.rules);
    c.client.acl_version = found.version;
    c.client.authenticated = true;
    return true;
}

void auth(command_context& c) {
    if (c.args.size() > 3) return reply_syntax_error(c.out);
    // Redis: AUTH <password> is refused outright while the default user has nopass.
    if (c.args.size() == 2 && c.srv.acl().default_nopass())
        return c.out.error("ERR AUTH <password> called without any password configured for "
                           "the default user. Are you sure your configuration is correct?");
    std::string_view user = c.args.size() == 3 ? c.args[1] : "default";
    if (!check_auth(c, user, c.args.back()))
        return c.out.error("WRONGPASS invalid username-password pair or user is disabled.");
    c.out.ok();
}

bool valid_client_name(std::string_view name) {
    for (char ch : name)
        if (ch < '!' || ch > '~') return false; // Redis: no spaces, newlines or specials
    return true;
}

void hello_reply(command_context& c) {
    c.out.map(7);
    c.out.bulk("server");
    c.out.bulk("redis");
    c.out.bulk("version");
    c.out.bulk("7.0.15");
    c.out.bulk("proto");
    c.out.integer(c.client.protocol);
    c.out.bulk("id");
    c.out.integer(static_cast<long long>(c.client.id));
    c.out.bulk("mode");
    c.out.bulk("standalone");
    c.out.bulk("role");
    c.out.bulk("master");
    c.out.bulk("modules");
    c.out.array(0);
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void hello(command_context& c) {
    int protocol = c.client.protocol;
    std::size_t i = 1;
    if (c.args.size() >= 2) {
        long long v = 0;
        if (!parse_integer(c.args[1], v))
            return c.out.error("ERR Protocol version is not an integer or out of range");
        if (v < 2 || v > 3) return c.out.error("NOPROTO unsupported protocol version");
        protocol = static_cast<int>(v);
        i = 2;
    }
    std::string_view setname;
    bool has_setname = false;
    for (; i < c.args.size(); ++i) {
        if (iequals(c.args[i], "auth") && i + 2 < c.args.size()) {
            if (!check_auth(c, c.args[i + 1], c.args[i + 2]))
                return c.out.error("WRONGPASS invalid username-password pair or user is disabled.");
            c.client.authenticated = true;
            i += 2;
        } else if (iequals(c.args[i], "setname") && i + 1 < c.args.size()) {
            setname = c.args[i + 1];
            has_setname = true;
            ++i;
        } else {
            return c.out.error("ERR Syntax error in HELLO option '" + std::string(c.args[i]) + "'");
        }
    }
    if (!c.client.authenticated && c.srv.acl().default_requires_auth())
        return c.out.error("NOAUTH HELLO must be called with the client already authenticated, "
                           "otherwise the HELLO AUTH <user> <pass> option can be used "
                           "to authenticate the client and select the RESP protocol version at "
                           "the same time");
    if (has_setname && !valid_client_name(setname))
        return c.out.error("ERR Client names cannot contain spaces, newlines or special "
                           "characters.");
    if (has_setname) c.client.name = std::string(setname);
    c.client.protocol = protocol;
    c.out.set_protocol(protocol);
    hello_reply(c);
}

void reset(command_context& c) {
    c.client.db = 0;
    c.client.protocol = 2;
    c.out.set_protocol(2);
    c.client.name.clear();
    // Back to the default user, authenticated only if that needs no AUTH (as Redis).
    auto d = c.srv.acl().default_user();
    c.client.user = std::move(d.rules);
    c.client.acl_version = d.version;
    c.client.authenticated = c.client.user->nopass() && c.client.user->enabled();
    c.out.simple("RESET");
}

void client(command_context& c) {
    std::string_view sub = c.args[1];
    if (iequals(sub, "id") && c.args.size() == 2)
        return c.out.integer(static_cast<long long>(c.client.id));
    if (iequals(sub, "getname") && c.args.size() == 2) {
        if (c.client.name.empty()) return c.out.null();
        return c.out.bulk(c.client.name);
    }
    if (iequals(sub, "setname") && c.args.size() == 3) {
        if (!valid_client_name(c.args[2]))
            return c.out.error("ERR Client names cannot contain spaces, newlines or special "
                               "characters.");
        c.client.name = std::string(c.args[2]);
        return c.out.ok();
    }
    if (iequals(sub, "setinfo") && c.args.size() == 4) {
        if (iequals(c.args[2], "lib-name"))
            c.client.library_name = std::string(c.args[3]);
        else if (iequals(c.args[2], "lib-ver"))
            c.client.library_version = std::string(c.args[3]);
        else
            return c.out.error("ERR Unrecognized option '" + std::string(c.args[2]) + "'");
        return c.out.ok();
    }
    std::string lower(sub);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "id" || lower == "getname" || lower == "setname" || lower == "setinfo")
        return reply_wrong_arity(c.out, "client|" + lower);
    c.out.error("ERR unknown subcommand '" + std::string(sub) + "'. Try CLIENT HELP.");
}

} // namespace

void register_connection_commands(command_table& t) {
    constexpr std::uint32_t conn = cmd_connection | cmd_fast;
    t.emplace("ping", command_spec{"ping", -1, cmd_keyless | cmd_fast, 0, 0, 0, ping});
    t.emplace("echo", command_spec{"echo", 2, cmd_keyless | cmd_fast, 0, 0, 0, echo});
    t.emplace("quit", command_spec{"quit", -1, conn | cmd_noauth, 0, 0, 0, quit});
    t.emplace("select", command_spec{"select", 2, conn, 0, 0, 0, select});
    t.emplace("auth", command_spec{"auth", -2, conn | cmd_noauth, 0, 0, 0, auth});
    t.emplace("hello", command_spec{"hello", -1, conn | cmd_noauth, 0, 0, 0, hello});
    t.emplace("reset", command_spec{"reset", 1, conn | cmd_noauth, 0, 0, 0, reset});
    t.emplace("client", command_spec{"client", -2, conn | cmd_container, 0, 0, 0, client});
    // The session runs these itself (they change what it does with later commands).
    constexpr std::uint32_t tx = cmd_transaction | cmd_connection | cmd_fast;
    auto none = [](command_context&) {};
    t.emplace("multi", command_spec{"multi", 1, tx, 0, 0, 0, none});
    t.emplace("exec", command_spec{"exec", 1, tx, 0, 0, 0, none});
    t.emplace("discard", command_spec{"discard", 1, tx, 0, 0, 0, none});
    t.emplace("watch", command_spec{"watch", -2, tx, 1, -1, 1, none});
    t.emplace("unwatch", command_spec{"unwatch", 1, tx, 0, 0, 0, none});
    t.emplace("monitor", command_spec{"monitor", 1, cmd_connection | cmd_admin, 0, 0, 0, none});
    constexpr std::uint32_t ps = cmd_pubsub | cmd_connection;
    t.emplace("subscribe", command_spec{"subscribe", -2, ps, 0, 0, 0, none});
    t.emplace("unsubscribe", command_spec{"unsubscribe", -1, ps, 0, 0, 0, none});
    t.emplace("psubscribe", command_spec{"psubscribe", -2, ps, 0, 0, 0, none});
    t.emplace("punsubscribe", command_spec{"punsubscribe", -1, ps, 0, 0, 0, none});
    t.emplace("publish", command_spec{"publish", 3, ps | cmd_fast, 0, 0, 0, none});
    t.emplace("pubsub", command_spec{"pubsub", -2, ps | cmd_container, 0, 0, 0, none});
}

} // namespace corio_redis
