// The family tables as one, and lookup by name for COMMAND (commands/command_info.cpp).
#include "docs.hpp"

#include "../../ascii.hpp"

namespace corio_redis::docs {

const std::vector<const command_doc*>& all_commands() {
    static const std::vector<const command_doc*> all = [] {
        static constexpr list<command_doc> (*families[])() = {
            connection_docs, pubsub_docs, server_docs,      introspection_docs,
            strings_docs,    keys_docs,   bitmaps_docs,     sets_docs,
            lists_docs,      hashes_docs, persistence_docs, acl_docs,
        };
        std::vector<const command_doc*> out;
        for (auto family : families)
            for (const auto& d : family()) out.push_back(&d);
        return out;
    }();
    return all;
}

const command_doc* find_subcommand(const command_doc& container, std::string_view sub) {
    for (const auto& s : container.subcommands) {
        std::string_view own = s.name.substr(container.name.size() + 1); // after "name|"
        if (iequals(own, sub)) return &s;
    }
    return nullptr;
}

const command_doc* find(std::string_view name) {
    // One level of subcommands, as in Redis: "a|b|c" names nothing.
    std::string_view top = name, sub;
    bool has_sub = false;
    if (auto bar = name.find('|'); bar != std::string_view::npos) {
        top = name.substr(0, bar);
        sub = name.substr(bar + 1);
        has_sub = true;
        if (sub.find('|') != std::string_view::npos) return nullptr;
    }
    for (const command_doc* d : all_commands()) {
        if (!iequals(d->name, top)) continue;
        return has_sub ? find_subcommand(*d, sub) : d;
    }
    return nullptr;
}

} // namespace corio_redis::docs
