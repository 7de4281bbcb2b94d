// The set of commands ACL rules name; see command_set.hpp.
#include "command_set.hpp"
#include "../ascii.hpp"

#include "../command.hpp"

#include <cctype>

namespace corio_redis::acl {
namespace {

channel_use channels_of(std::string_view name) {
    if (name == "publish" || name == "spublish") return channel_use::publish;
    if (name == "subscribe" || name == "ssubscribe") return channel_use::subscribe;
    if (name == "psubscribe") return channel_use::psubscribe;
    return channel_use::none;
}

} // namespace

command_set::command_set() {
    for (const docs::command_doc* d : docs::all_commands()) {
        add(d->name, d->acl, d);
        for (const auto& s : d->subcommands) add(s.name, s.acl, &s);
    }
    // A command corio's docs describe comes from them: one that gains docs later needs no
    // change in the table of what is lacking.
    for (const auto& m : commands_corio_lacks())
        if (!by_name_.contains(std::string(m.name))) add(m.name, m.categories, nullptr);
}

command_id command_set::add(std::string_view name, std::uint32_t categories,
                            const docs::command_doc* doc) {
    const auto id = static_cast<command_id>(entries_.size());
    command_entry e;
    e.name = ascii_lower(name);
    e.categories = categories;
    e.doc = doc;
    e.channels = channels_of(e.name);
    if (auto bar = e.name.find('|'); bar != std::string::npos) {
        // A subcommand's container comes first, in both tables.
        auto it = by_name_.find(e.name.substr(0, bar));
        if (it == by_name_.end()) return no_command;
        e.parent = it->second;
        entries_[it->second].subcommands.push_back(id);
    } else {
        tops_.push_back(id);
    }
    by_name_.emplace(e.name, id);
    entries_.push_back(std::move(e));
    return id;
}

command_id command_set::find(std::string_view name) const {
    auto it = by_name_.find(ascii_lower(name));
    return it == by_name_.end() ? no_command : it->second;
}

command_id command_set::find_subcommand(command_id container, std::string_view sub) const {
    const command_entry& c = entries_[container];
    const std::size_t prefix = c.name.size() + 1; // "name|"
    for (command_id s : c.subcommands)
        if (iequals(std::string_view(entries_[s].name).substr(prefix), sub)) return s;
    return no_command;
}

std::uint32_t command_set::category(std::string_view name) {
    for (std::size_t i = 0; i < std::size(docs::acl_names); ++i)
        if (iequals(docs::acl_names[i], name)) return 1u << i;
    return 0;
}

const command_set& known_commands() {
    static const command_set set;
    return set;
}

} // namespace corio_redis::acl
