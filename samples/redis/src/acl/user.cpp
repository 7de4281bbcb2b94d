// Applying ACL SETUSER rules to a user, and the tests the check asks of it; see user.hpp.
#include "user.hpp"

#include "../command.hpp"

#include "../config.hpp"
#include "password.hpp"

#include <algorithm>
#include <cctype>

namespace corio_redis::acl {
namespace {

// Redis's reasons, as ACL SETUSER reports them after the rule.
constexpr std::string_view syntax_error = "Syntax error";
constexpr std::string_view unknown_name = "Unknown command or category name in ACL";
constexpr std::string_view key_after_all =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
    "have any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view channel_after_all =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does "
    "not have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view no_such_password =
    "The password you are trying to remove from the user does not exist";
constexpr std::string_view bad_hash = "The password hash must be exactly 64 characters and "
                                      "contain only lowercase hexadecimal characters";
constexpr std::string_view first_arg_of_subcommand =
    "Allowing first-arg of a subcommand is not supported";

// Redis's test for names and patterns: no white space, no NUL.
bool has_space(std::string_view s) {
    for (char c : s)
        if (c == '\0' || std::isspace(static_cast<unsigned char>(c))) return true;
    return false;
}

bool fail(std::string& error, std::string_view why) {
    error = why;
    return false;
}

} // namespace

bool valid_username(std::string_view name) {
    return !has_space(name);
}

user::user(std::string name, bool all_channels_by_default)
    : name_(std::move(name)), commands_(known_commands()), all_channels_(all_channels_by_default) {}

user user::make_default() {
    user u("default", false);
    std::string ignored;
    for (std::string_view rule : {"+@all", "~*", "&*", "on", "nopass"})
        u.apply(rule, false, ignored);
    return u;
}

bool user::apply(std::string_view rule, bool all_channels_by_default, std::string& error) {
    // Patterns may not hold spaces (they could not be written back to a file).
    const bool pattern = !rule.empty() && (rule[0] == '~' || rule[0] == '%' || rule[0] == '&');
    if (pattern && has_space(rule)) return fail(error, syntax_error);
    if (rule.empty()) {
        // Redis takes an empty rule as no change.
    } else if (iequals(rule, "on")) {
        enabled_ = true;
    } else if (iequals(rule, "off")) {
        enabled_ = false;
    } else if (iequals(rule, "skip-sanitize-payload")) {
        skip_sanitize_payload_ = true;
        sanitize_payload_ = false;
    } else if (iequals(rule, "sanitize-payload")) {
        sanitize_payload_ = true;
        skip_sanitize_payload_ = false;
    } else if (iequals(rule, "nopass")) {
        nopass_ = true;
        passwords_.clear();
    } else if (iequals(rule, "resetpass")) {
        nopass_ = false;
        passwords_.clear();
    } else if (!rule.empty() && (rule[0] == '>' || rule[0] == '#')) {
        std::string hash;
        if (rule[0] == '>') {
            hash = hash_password(rule.substr(1));
        } else {
            if (!valid_password_hash(rule.substr(1))) return fail(error, bad_hash);
            hash = rule.substr(1);
        }
        if (std::find(passwords_.begin(), passwords_.end(), hash) == passwords_.end())
            passwords_.push_back(std::move(hash));
        nopass_ = false;
    } else if (!rule.empty() && (rule[0] == '<' || rule[0] == '!')) {
        std::string hash;
        if (rule[0] == '<') {
            hash = hash_password(rule.substr(1));
        } else {
            if (!valid_password_hash(rule.substr(1))) return fail(error, bad_hash);
            hash = rule.substr(1);
        }
        auto it = std::find(passwords_.begin(), passwords_.end(), hash);
        if (it == passwords_.end()) return fail(error, no_such_password);
        passwords_.erase(it);
        nopass_ = false;
    } else if (iequals(rule, "allkeys")) {
        all_keys_ = true;
        keys_.clear();
    } else if (iequals(rule, "resetkeys")) {
        all_keys_ = false;
        keys_.clear();
    } else if (!rule.empty() && (rule[0] == '~' || rule[0] == '%')) {
        return apply_key_pattern(rule, error);
    } else if (iequals(rule, "allchannels")) {
        all_channels_ = true;
        channels_.clear();
    } else if (iequals(rule, "resetchannels")) {
        all_channels_ = false;
        channels_.clear();
    } else if (!rule.empty() && rule[0] == '&') {
        if (all_channels_) return fail(error, channel_after_all);
        std::string_view channel = rule.substr(1);
        if (channel == "*") {
            all_channels_ = true;
            channels_.clear();
        } else if (std::find(channels_.begin(), channels_.end(), channel) == channels_.end()) {
            channels_.emplace_back(channel);
        }
    } else if (iequals(rule, "reset")) {
        // Redis's reset: resetpass resetkeys resetchannels [allchannels] off sanitize-payload
        // clearselectors -@all.
        for (std::string_view r : {"resetpass", "resetkeys", "resetchannels"})
            apply(r, false, error);
        if (all_channels_by_default) apply("allchannels", false, error);
        for (std::string_view r : {"off", "sanitize-payload", "-@all"}) apply(r, false, error);
    } else if (iequals(rule, "clearselectors")) {
        // corio-redis has no selectors, so there are none to clear.
    } else if (!rule.empty() && rule[0] == '(') {
        return fail(error, "Selectors are not supported by corio-redis");
    } else {
        return apply_command_rule(rule, error);
    }
    return true;
}

// ~pattern (read and write), %R~pattern, %W~pattern, %RW~pattern. A repeated pattern gains
// the permissions of the new one, in its first place; "~*" (or %RW~*) is allkeys.
bool user::apply_key_pattern(std::string_view rule, std::string& error) {
    if (all_keys_) return fail(error, key_after_all);
    std::uint8_t permissions = key_read_write;
    std::size_t at = 1;
    if (rule[0] == '%') {
        permissions = 0;
        for (; at < rule.size(); ++at) {
            const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(rule[at])));
            if (c == 'R' && !(permissions & key_read)) {
                permissions |= key_read;
            } else if (c == 'W' && !(permissions & key_write)) {
                permissions |= key_write;
            } else if (rule[at] == '~') {
                ++at;
                break;
            } else {
                return fail(error, syntax_error);
            }
        }
        if (permissions == 0) return fail(error, syntax_error);
    }
    std::string_view pattern = rule.substr(std::min(at, rule.size()));
    if (pattern == "*" && permissions == key_read_write) {
        all_keys_ = true;
        keys_.clear();
        return true;
    }
    auto it = std::find_if(keys_.begin(), keys_.end(),
                           [&](const key_pattern& k) { return k.pattern == pattern; });
    if (it != keys_.end())
        it->permissions |= permissions;
    else
        keys_.push_back({std::string(pattern), permissions});
    return true;
}

void user::reset_first_args(command_id id) {
    std::erase_if(first_args_, [id](const auto& f) { return f.first == id; });
}

void user::change(command_id id, bool on) {
    commands_.change(id, on);
    reset_first_args(id);
    if (!on) all_commands_ = false;
}

bool user::apply_command_rule(std::string_view rule, std::string& error) {
    const command_set& known = known_commands();
    if (iequals(rule, "allcommands") || iequals(rule, "+@all")) {
        commands_.set_all(true);
        all_commands_ = true;
        first_args_.clear();
        return true;
    }
    if (iequals(rule, "nocommands") || iequals(rule, "-@all")) {
        commands_.set_all(false);
        all_commands_ = false;
        first_args_.clear();
        return true;
    }
    if (rule[0] != '+' && rule[0] != '-') return fail(error, syntax_error);
    const bool on = rule[0] == '+';
    std::string_view name = rule.substr(1);
    if (!name.empty() && name[0] == '@') {
        const std::uint32_t category = command_set::category(name.substr(1));
        if (category == 0) return fail(error, unknown_name);
        // change() of each command of the category, containers before their subcommands
        // (command_bits::change_category, plus the first-arg rules each change drops).
        for (command_id top : known.top_level()) {
            if (known.at(top).categories & category) change(top, on);
            for (command_id s : known.at(top).subcommands)
                if (known.at(s).categories & category) change(s, on);
        }
        return true;
    }
    const std::size_t bar = name.rfind('|');
    if (!on || bar == std::string_view::npos) {
        const command_id id = known.find(name);
        if (id == no_command) return fail(error, unknown_name);
        change(id, on);
        return true;
    }
    // +cmd|sub: a subcommand, or (for a command without subcommands) a first argument that
    // is allowed on its own, such as +select|0.
    const command_id id = known.find(name.substr(0, bar));
    if (id == no_command) return fail(error, unknown_name);
    if (known.at(id).parent != no_command) return fail(error, first_arg_of_subcommand);
    std::string_view sub = name.substr(bar + 1);
    if (sub.empty()) return fail(error, syntax_error);
    if (!known.at(id).subcommands.empty()) {
        const command_id s = known.find_subcommand(id, sub);
        if (s == no_command) return fail(error, unknown_name);
        change(s, true);
        return true;
    }
    auto it = std::find_if(first_args_.begin(), first_args_.end(),
                           [id](const auto& f) { return f.first == id; });
    if (it == first_args_.end()) it = first_args_.insert(first_args_.end(), {id, {}});
    for (const auto& arg : it->second)
        if (iequals(arg, sub)) return true;
    it->second.emplace_back(sub);
    return true;
}

bool user::accepts(std::string_view password) const {
    if (!enabled_) return false;
    if (nopass_) return true;
    const std::string hash = hash_password(password);
    bool found = false;
    for (const auto& p : passwords_) found = same_hash(p, hash) || found; // every one compared
    return found;
}

bool user::may_run(command_id id, std::span<const std::string_view> line) const {
    if (all_commands_ || commands_.test(id)) return true;
    if (line.size() < 2) return false;
    for (const auto& [command, args] : first_args_) {
        if (command != id) continue;
        for (const auto& arg : args)
            if (iequals(arg, line[1])) return true;
    }
    return false;
}

bool user::may_access_key(std::string_view key, unsigned key_flags) const {
    if (all_keys_) return true;
    std::uint8_t needed = 0;
    if (key_flags & docs::k_access) needed |= key_read;
    if (key_flags & (docs::k_insert | docs::k_delete | docs::k_update)) needed |= key_write;
    for (const auto& k : keys_)
        if ((k.permissions & needed) == needed && glob_match(k.pattern, key)) return true;
    return false;
}

bool user::may_use_channel(std::string_view channel, bool is_pattern) const {
    if (all_channels_) return true;
    for (const auto& c : channels_)
        if (is_pattern ? c == channel : glob_match(c, channel)) return true;
    return false;
}

} // namespace corio_redis::acl
