// How ACL LIST and ACL GETUSER describe a user, in Redis 7.0's words. Redis 7.0 keeps only
// the permission bits, not the rules as written, and words them anew each time: start from
// +@all or -@all, add (or take away) whole categories while each fits the bits better than
// not, then name the single commands still different. Doing the same over the same set of
// commands (command_set.hpp) gives Redis's text; only the order of the single commands
// differs, which in Redis follows its hash table and changes from run to run.
#include "user.hpp"

#include <climits>

namespace corio_redis::acl {
namespace {

std::string key_rule(const key_pattern& k) {
    switch (k.permissions) {
    case key_read:
        return "%R~" + k.pattern;
    case key_write:
        return "%W~" + k.pattern;
    default:
        return "~" + k.pattern;
    }
}

} // namespace

std::vector<std::string_view> user::flag_names() const {
    std::vector<std::string_view> out;
    out.push_back(enabled_ ? "on" : "off");
    if (nopass_) out.push_back("nopass");
    if (skip_sanitize_payload_) out.push_back("skip-sanitize-payload");
    if (sanitize_payload_) out.push_back("sanitize-payload");
    return out;
}

std::string user::describe_commands() const {
    const command_set& known = known_commands();
    // `fake` replays the rules written so far; `remaining` is what is left to describe
    // (each category written is taken out of it, so it counts only once).
    const bool additive = !commands_.future_commands();
    std::string rules = additive ? "-@all " : "+@all ";
    command_bits fake(known);
    fake.set_all(!additive);
    command_bits remaining = commands_;
    bool written[std::size(docs::acl_names)] = {};
    for (;;) {
        std::size_t best = SIZE_MAX, fewest_differing = SIZE_MAX, most_same = 0;
        for (std::size_t j = 0; j < std::size(docs::acl_names); ++j) {
            if (written[j]) continue;
            std::size_t on = 0, off = 0;
            remaining.count_category(1u << j, on, off);
            const std::size_t differing = additive ? off : on;
            const std::size_t same = additive ? on : off;
            if (same > differing && (differing < fewest_differing ||
                                     (differing == fewest_differing && same > most_same))) {
                best = j;
                fewest_differing = differing;
                most_same = same;
            }
        }
        if (best == SIZE_MAX) break;
        fake.change_category(1u << best, additive);
        remaining.change_category(1u << best, !additive);
        rules += additive ? "+@" : "-@";
        rules += docs::acl_names[best];
        rules += ' ';
        written[best] = true;
    }
    auto single = [&](command_id id) {
        const bool allowed = commands_.test(id);
        if (allowed == fake.test(id)) return;
        rules += allowed ? '+' : '-';
        rules += known.at(id).name;
        rules += ' ';
        fake.change(id, allowed);
    };
    for (command_id top : known.top_level()) {
        single(top);
        for (command_id s : known.at(top).subcommands) single(s);
        if (commands_.test(top)) continue;
        for (const auto& [id, args] : first_args_) {
            if (id != top) continue;
            for (const auto& arg : args) {
                rules += '+';
                rules += known.at(top).name;
                rules += '|';
                rules += arg;
                rules += ' ';
            }
        }
    }
    rules.pop_back();
    return rules;
}

std::string user::describe_keys() const {
    if (all_keys_) return "~*";
    std::string out;
    for (const auto& k : keys_) {
        if (!out.empty()) out += ' ';
        out += key_rule(k);
    }
    return out;
}

std::string user::describe_channels() const {
    if (all_channels_) return "&*";
    std::string out;
    for (const auto& c : channels_) {
        if (!out.empty()) out += ' ';
        out += '&';
        out += c;
    }
    return out;
}

std::string user::describe() const {
    std::string out;
    for (auto flag : flag_names()) {
        out += flag;
        out += ' ';
    }
    for (const auto& p : passwords_) {
        out += '#';
        out += p;
        out += ' ';
    }
    for (const auto& k : keys_) {
        out += key_rule(k);
        out += ' ';
    }
    if (all_keys_) out += "~* ";
    if (all_channels_) {
        out += "&* ";
    } else {
        out += "resetchannels ";
        for (const auto& c : channels_) {
            out += '&';
            out += c;
            out += ' ';
        }
    }
    out += describe_commands();
    return out;
}

} // namespace corio_redis::acl
