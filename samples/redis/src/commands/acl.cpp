// ACL and its subcommands: users (SETUSER, GETUSER, DELUSER, USERS, LIST, WHOAMI), what they
// may do (CAT, DRYRUN), ACL LOG, GENPASS, and the aclfile (LOAD, SAVE), with Redis 7.0.15's
// replies and errors. The users live in the server's registry (acl/registry.hpp); DELUSER
// and LOAD leave the closing of the gone users' connections to the session (acl_sweep).
#include "../acl/check.hpp"
#include "../acl/password.hpp"
#include "../server.hpp"
#include "docs/docs.hpp"

#include <string>
#include <vector>

namespace corio_redis {
namespace {

using line_view = std::span<const std::string_view>;

bool arity_fits(int arity, std::size_t argc) {
    return arity >= 0 ? argc == static_cast<std::size_t>(arity)
                      : argc >= static_cast<std::size_t>(-arity);
}

void wrong_use(command_context& c) {
    c.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                std::string(c.args[1]) + "'. Try ACL HELP.");
}

constexpr std::string_view no_aclfile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
    "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
    "Redis configuration file set) in order to store users in the Redis configuration.";

void getuser(command_context& c) {
    auto found = c.srv.acl().find(c.args[2]);
    if (!found.rules) return c.out.null();
    const acl::user& u = *found.rules;
    c.out.map(6);
    c.out.bulk("flags");
    auto flags = u.flag_names();
    c.out.set(flags.size());
    for (auto f : flags) c.out.bulk(f);
    c.out.bulk("passwords");
    c.out.array(u.password_hashes().size());
    for (const auto& p : u.password_hashes()) c.out.bulk(p);
    c.out.bulk("commands");
    c.out.bulk(u.describe_commands());
    c.out.bulk("keys");
    c.out.bulk(u.describe_keys());
    c.out.bulk("channels");
    c.out.bulk(u.describe_channels());
    c.out.bulk("selectors");
    c.out.array(0);
}

void deluser(command_context& c) {
    auto names = c.args.subspan(2);
    for (auto n : names)
        if (n == "default") return c.out.error("ERR The 'default' user cannot be removed");
    const std::size_t deleted = c.srv.acl().delete_users(names);
    if (deleted) c.client.acl_sweep = true; // the session closes their connections
    c.out.integer(static_cast<long long>(deleted));
}

// ACL CAT: the categories, or the commands (and subcommands) corio-redis has in one.
void cat(command_context& c) {
    if (c.args.size() > 3) return wrong_use(c);
    if (c.args.size() == 2) {
        c.out.array(std::size(docs::acl_names));
        for (auto n : docs::acl_names) c.out.bulk(n);
        return;
    }
    const std::uint32_t category = acl::command_set::category(c.args[2]);
    if (category == 0)
        return c.out.error("ERR Unknown category '" + std::string(c.args[2].substr(0, 128)) + "'");
    const acl::command_set& known = acl::known_commands();
    std::vector<std::string_view> names;
    for (acl::command_id id = 0; id < known.size(); ++id)
        if (known.at(id).doc && known.at(id).categories & category)
            names.push_back(known.at(id).name);
    c.out.array(names.size());
    for (auto n : names) c.out.bulk(n);
}

void genpass(command_context& c) {
    if (c.args.size() > 3) return wrong_use(c);
    long long bits = 256;
    if (c.args.size() == 3 && !parse_integer(c.args[2], bits)) return reply_not_integer(c.out);
    if (bits <= 0 || bits > 4096)
        return c.out.error("ERR ACL GENPASS argument must be the number of bits for the output "
                           "password, a positive number up to 4096");
    c.out.bulk(acl::random_hex(static_cast<unsigned>(bits)));
}

void log(command_context& c) {
    if (c.args.size() > 3) return wrong_use(c);
    long long count = 10;
    if (c.args.size() == 3) {
        if (iequals(c.args[2], "reset")) {
            c.srv.acl().log().reset();
            return c.out.ok();
        }
        if (!parse_integer(c.args[2], count)) return reply_not_integer(c.out);
        if (count < 0) count = 0;
    }
    auto entries = c.srv.acl().log().newest(static_cast<std::size_t>(count));
    c.out.array(entries.size());
    for (const auto& e : entries) {
        c.out.map(7);
        c.out.bulk("count");
        c.out.integer(static_cast<long long>(e.count));
        c.out.bulk("reason");
        c.out.bulk(e.reason);
        c.out.bulk("context");
        c.out.bulk(e.context);
        c.out.bulk("object");
        c.out.bulk(e.object);
        c.out.bulk("username");
        c.out.bulk(e.username);
        c.out.bulk("age-seconds");
        c.out.dbl(static_cast<double>(c.now_ms - e.unix_ms) / 1000.0);
        c.out.bulk("client-info");
        c.out.bulk(e.client_info);
    }
}

// ACL DRYRUN user command [arg ...]: the command as the server would look it up (a renamed
// one by its new name), its arity, then the check, without running anything.
void dryrun(command_context& c) {
    auto found = c.srv.acl().find(c.args[2]);
    if (!found.rules) return c.out.error("ERR User '" + std::string(c.args[2]) + "' not found");
    line_view line = c.args.subspan(3);
    const command_spec* spec = c.srv.lookup(line[0]);
    const acl::command_id id = spec ? acl::resolve(spec->acl_id, line) : acl::no_command;
    if (!spec || (spec->acl_id != acl::no_command && id == acl::no_command))
        return c.out.error("ERR Command '" + std::string(line[0]) + "' not found");
    const acl::command_entry* entry =
        id == acl::no_command ? nullptr : &acl::known_commands().at(id);
    const int arity = entry && entry->doc ? entry->doc->arity : spec->arity;
    if (!arity_fits(arity, line.size()))
        return reply_wrong_arity(c.out, entry ? std::string_view(entry->name) : spec->name);
    const acl::verdict v = acl::check(*found.rules, id, (spec->flags & cmd_noauth) != 0, line);
    if (v.allowed()) return c.out.ok();
    c.out.bulk(acl::dryrun_text(v, line));
}

void load(command_context& c) {
    const std::string path = c.srv.cfg().aclfile();
    if (path.empty()) return c.out.error(no_aclfile);
    std::string error;
    if (!c.srv.acl().load_file(path, c.srv.cfg().acl_pubsub_all(), error))
        return c.out.error("ERR " + error);
    c.client.acl_sweep = true; // the users other than default were made anew
    c.out.ok();
}

void save(command_context& c) {
    const std::string path = c.srv.cfg().aclfile();
    if (path.empty()) return c.out.error(no_aclfile);
    std::string error;
    if (!c.srv.acl().save_file(path, error)) {
        c.srv.engine().log(corio::log_level::warn, "ACL SAVE: " + error);
        return c.out.error("ERR There was an error trying to save the ACLs. Please check the "
                           "server logs for more information");
    }
    c.out.ok();
}

// In corio's words, not Redis's.
void help(command_context& c) {
    static constexpr std::string_view lines[] = {
        "ACL <subcommand> [<arg> ...]. Subcommands:",
        "CAT [<category>] -- the categories, or the commands in one.",
        "DELUSER <username> [<username> ...] -- deletes users and closes their connections.",
        "DRYRUN <username> <command> [<arg> ...] -- whether the user may run that command.",
        "GENPASS [<bits>] -- a random password, 256 bits unless told otherwise.",
        "GETUSER <username> -- the user's flags, passwords and rules.",
        "LIST -- every user, as the ACL file writes them.",
        "LOAD -- replaces the users with those of the aclfile.",
        "LOG [<count> | RESET] -- the latest refusals, or clears them.",
        "SAVE -- writes the users to the aclfile.",
        "SETUSER <username> <rule> [<rule> ...] -- creates a user or changes its rules.",
        "USERS -- the users' names.",
        "WHOAMI -- the user this connection is authenticated as.",
        "HELP -- this text.",
    };
    c.out.array(std::size(lines));
    for (auto l : lines) c.out.simple(l);
}

void acl_cmd(command_context& c) {
    static const docs::command_doc* self = docs::find("acl");
    const docs::command_doc* d = docs::find_subcommand(*self, c.args[1]);
    if (!d)
        return c.out.error("ERR unknown subcommand '" + std::string(c.args[1].substr(0, 128)) +
                           "'. Try ACL HELP.");
    if (!arity_fits(d->arity, c.args.size())) return reply_wrong_arity(c.out, d->name);
    std::string_view sub = d->name.substr(4); // after "acl|"
    auto& registry = c.srv.acl();
    if (sub == "setuser") {
        std::string error;
        if (!registry.set_user(c.args[2], c.args.subspan(3), c.srv.cfg().acl_pubsub_all(), error))
            return c.out.error(error);
        return c.out.ok();
    }
    if (sub == "getuser") return getuser(c);
    if (sub == "deluser") return deluser(c);
    if (sub == "users") {
        auto users = registry.users();
        c.out.array(users.size());
        for (const auto& u : users) c.out.bulk(u->name());
        return;
    }
    if (sub == "list") {
        auto users = registry.users();
        c.out.array(users.size());
        for (const auto& u : users) c.out.bulk("user " + u->name() + " " + u->describe());
        return;
    }
    if (sub == "whoami") return c.out.bulk(c.client.user->name());
    if (sub == "cat") return cat(c);
    if (sub == "genpass") return genpass(c);
    if (sub == "log") return log(c);
    if (sub == "dryrun") return dryrun(c);
    if (sub == "load") return load(c);
    if (sub == "save") return save(c);
    help(c);
}

} // namespace

void register_acl_commands(command_table& t) {
    // On the client's own loop: WHOAMI reads the client, DELUSER and LOAD make the session
    // close connections.
    t.emplace("acl", command_spec{"acl", -2, cmd_connection | cmd_admin | cmd_container, 0, 0, 0,
                                  acl_cmd});
}

} // namespace corio_redis
