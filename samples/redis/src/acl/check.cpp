// The command check; see check.hpp.
#include "check.hpp"

#include "../commands/key_finder.hpp"

#include <vector>

namespace corio_redis::acl {

command_id resolve(command_id id, std::span<const std::string_view> line) {
    const command_set& known = known_commands();
    if (id == no_command || line.size() < 2 || known.at(id).subcommands.empty()) return id;
    // An unknown subcommand names nothing: the command refuses it itself, as Redis does
    // before any ACL check.
    return known.find_subcommand(id, line[1]);
}

verdict check(const user& u, command_id id, bool noauth, std::span<const std::string_view> line) {
    verdict v;
    v.command = id;
    if (id == no_command) return v; // not a command ACL rules can name: nothing to check
    const command_entry& e = known_commands().at(id);
    if (!noauth && !u.may_run(id, line)) {
        v.what = denial::command;
        return v;
    }
    if (!u.all_keys() && e.doc && has_key_specs(*e.doc)) {
        // One list per thread: a restricted user's commands find keys without allocating.
        thread_local std::vector<key_ref> keys;
        find_keys(*e.doc, line, keys);
        for (const auto& k : keys) {
            if (u.may_access_key(line[k.pos], k.flags)) continue;
            v.what = denial::key;
            v.arg = k.pos;
            return v;
        }
    }
    if (!u.all_channels() && e.channels != channel_use::none) {
        const bool pattern = e.channels == channel_use::psubscribe;
        const std::size_t last = e.channels == channel_use::publish ? 1 : line.size() - 1;
        for (std::size_t i = 1; i <= last && i < line.size(); ++i) {
            if (u.may_use_channel(line[i], pattern)) continue;
            v.what = denial::channel;
            v.arg = i;
            return v;
        }
    }
    return v;
}

std::string_view reason_name(denial d) noexcept {
    switch (d) {
    case denial::command:
        return "command";
    case denial::key:
        return "key";
    case denial::channel:
        return "channel";
    case denial::none:
        break;
    }
    return "";
}

std::string object_of(const verdict& v, std::span<const std::string_view> line) {
    if (v.what == denial::command) return known_commands().at(v.command).name;
    return std::string(line[v.arg]);
}

std::string noperm_error(const verdict& v) {
    switch (v.what) {
    case denial::command:
        return "NOPERM this user has no permissions to run the '" +
               known_commands().at(v.command).name + "' command";
    case denial::key:
        return "NOPERM this user has no permissions to access one of the keys used as arguments";
    default:
        return "NOPERM this user has no permissions to access one of the channels used as "
               "arguments";
    }
}

std::string noperm_in_exec_error(const verdict& v) {
    std::string out = "NOPERM ACLs rules changed between the moment the transaction was "
                      "accumulated and the EXEC call. This command is no longer allowed for the "
                      "following reason: ";
    switch (v.what) {
    case denial::command:
        return out + "no permission to execute the command or subcommand";
    case denial::key:
        return out + "no permission to touch the specified keys";
    default:
        return out + "no permission to access one of the channels used as arguments";
    }
}

std::string dryrun_text(const verdict& v, std::span<const std::string_view> line) {
    switch (v.what) {
    case denial::command:
        return "This user has no permissions to run the '" + known_commands().at(v.command).name +
               "' command";
    case denial::key:
        return "This user has no permissions to access the '" + std::string(line[v.arg]) + "' key";
    default:
        return "This user has no permissions to access the '" + std::string(line[v.arg]) +
               "' channel";
    }
}

} // namespace corio_redis::acl
