// The family tables as one, and lookup by name for COMMAND (commands/command_info.cpp).
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

} // namespace

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
        if (same_name(own, sub)) return &s;
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
        if (!same_name(d->name, top)) continue;
        return has_sub ? find_subcommand(*d, sub) : d;
    }
    return nullptr;
}

} // namespace corio_redis::docs
