// COMMAND, COUNT, LIST, INFO, DOCS, GETKEYS, GETKEYSANDFLAGS and HELP: what redis-cli builds
// its hints from and client libraries read key positions and flags from. Replies come from
// the docs tables (commands/docs/), shaped, ordered and worded as redis-server 7.0.15's.
#include "command_info.hpp"

#include "../config.hpp"
#include "../session.hpp"
#include "docs/docs.hpp"
#include "key_finder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis {
namespace {

using docs::command_doc;
using line_view = std::span<const std::string_view>;

bool arity_fits(int arity, std::size_t argc) {
    return arity >= 0 ? argc == static_cast<std::size_t>(arity)
                      : argc >= static_cast<std::size_t>(-arity);
}

/// A set of the names of the bits set in `bits` (names[i] for bit i), as simple strings.
template <std::size_t N>
void reply_flags(resp::reply& out, unsigned bits, const std::string_view (&names)[N]) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < N; ++i)
        if (bits & (1u << i)) ++n;
    out.set(n);
    for (std::size_t i = 0; i < N; ++i)
        if (bits & (1u << i)) out.simple(names[i]);
}

std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> out;
    while (!s.empty()) {
        auto space = s.find(' ');
        if (space != 0) out.push_back(s.substr(0, space));
        if (space == std::string_view::npos) break;
        s.remove_prefix(space + 1);
    }
    return out;
}

void reply_key_spec(resp::reply& out, const docs::key_spec& k) {
    out.map(k.notes.empty() ? 3 : 4);
    if (!k.notes.empty()) {
        out.bulk("notes");
        out.bulk(k.notes);
    }
    out.bulk("flags");
    reply_flags(out, k.flags, docs::key_flag_names);
    out.bulk("begin_search");
    out.map(2);
    out.bulk("type");
    if (k.begin.keyword.empty()) {
        out.bulk("index");
        out.bulk("spec");
        out.map(1);
        out.bulk("index");
        out.integer(k.begin.index);
    } else {
        out.bulk("keyword");
        out.bulk("spec");
        out.map(2);
        out.bulk("keyword");
        out.bulk(k.begin.keyword);
        out.bulk("startfrom");
        out.integer(k.begin.startfrom);
    }
    out.bulk("find_keys");
    out.map(2);
    out.bulk("type");
    out.bulk(k.find.keynum ? "keynum" : "range");
    out.bulk("spec");
    out.map(3);
    if (k.find.keynum) {
        out.bulk("keynumidx");
        out.integer(k.find.keynumidx);
        out.bulk("firstkey");
        out.integer(k.find.firstkey);
    } else {
        out.bulk("lastkey");
        out.integer(k.find.lastkey);
    }
    out.bulk("keystep");
    out.integer(k.find.keystep);
    if (!k.find.keynum) {
        out.bulk("limit");
        out.integer(k.find.limit);
    }
}

// COMMAND INFO's ten fields.
void reply_info(resp::reply& out, const command_doc& d) {
    out.array(10);
    out.bulk(d.name);
    out.integer(d.arity);
    reply_flags(out, d.flags, docs::command_flag_names);
    out.integer(d.keys.first);
    out.integer(d.keys.last);
    out.integer(d.keys.step);
    std::size_t cats = 0;
    for (std::size_t i = 0; i < std::size(docs::acl_names); ++i)
        if (d.acl & (1u << i)) ++cats;
    out.set(cats);
    for (std::size_t i = 0; i < std::size(docs::acl_names); ++i)
        if (d.acl & (1u << i)) out.simple("@" + std::string(docs::acl_names[i]));
    auto tips = split_words(d.tips);
    out.set(tips.size());
    for (auto t : tips) out.bulk(t);
    out.set(d.key_specs.size());
    for (const auto& k : d.key_specs) reply_key_spec(out, k);
    // Redis: an empty set for none, else an array.
    if (d.subcommands.empty()) return out.set(0);
    out.array(d.subcommands.size());
    for (const auto& s : d.subcommands) reply_info(out, s);
}

void reply_args(resp::reply& out, docs::list<docs::arg> args) {
    out.array(args.size());
    for (const auto& a : args) {
        const bool nested = a.type == docs::arg_type::oneof || a.type == docs::arg_type::block;
        std::size_t n = 2;
        if (a.key_spec_index >= 0) ++n;
        if (!a.token.empty()) ++n;
        if (!a.since_version.empty()) ++n;
        if (!a.deprecated_version.empty()) ++n;
        if (a.flags) ++n;
        if (nested) ++n;
        out.map(n);
        out.bulk("name");
        out.bulk(a.name);
        out.bulk("type");
        out.bulk(docs::arg_type_names[static_cast<std::size_t>(a.type)]);
        if (a.key_spec_index >= 0) {
            out.bulk("key_spec_index");
            out.integer(a.key_spec_index);
        }
        if (!a.token.empty()) {
            out.bulk("token");
            out.bulk(a.token);
        }
        if (!a.since_version.empty()) {
            out.bulk("since");
            out.bulk(a.since_version);
        }
        if (!a.deprecated_version.empty()) {
            out.bulk("deprecated_since");
            out.bulk(a.deprecated_version);
        }
        if (a.flags) {
            out.bulk("flags");
            reply_flags(out, a.flags, docs::arg_flag_names);
        }
        if (nested) {
            out.bulk("arguments");
            reply_args(out, a.args);
        }
    }
}

// One command's COMMAND DOCS map.
void reply_docs(resp::reply& out, const command_doc& d) {
    std::size_t n = 1; // group is always there
    for (bool present : {!d.summary.empty(), !d.since.empty(), !d.complexity.empty(),
                         d.doc_flags != 0, !d.deprecated_since.empty(), !d.replaced_by.empty(),
                         !d.history.empty(), !d.args.empty(), !d.subcommands.empty()})
        if (present) ++n;
    out.map(n);
    auto text = [&out](std::string_view field, std::string_view value) {
        if (value.empty()) return;
        out.bulk(field);
        out.bulk(value);
    };
    text("summary", d.summary);
    text("since", d.since);
    out.bulk("group");
    out.bulk(d.group);
    text("complexity", d.complexity);
    if (d.doc_flags) {
        out.bulk("doc_flags");
        reply_flags(out, d.doc_flags, docs::doc_flag_names);
    }
    text("deprecated_since", d.deprecated_since);
    text("replaced_by", d.replaced_by);
    if (!d.history.empty()) {
        out.bulk("history");
        out.set(d.history.size());
        for (const auto& h : d.history) {
            out.array(2);
            out.bulk(h.version);
            out.bulk(h.text);
        }
    }
    if (!d.args.empty()) {
        out.bulk("arguments");
        reply_args(out, d.args);
    }
    if (!d.subcommands.empty()) {
        out.bulk("subcommands");
        out.map(d.subcommands.size());
        for (const auto& s : d.subcommands) {
            out.bulk(s.name);
            reply_docs(out, s);
        }
    }
}

bool registered(const server& srv, const command_doc& d) {
    return srv.lookup(d.name.substr(0, d.name.find('|'))) != nullptr;
}

// The documented commands this server has, in the docs' order.
std::vector<const command_doc*> listed(const server& srv) {
    std::vector<const command_doc*> out;
    for (const command_doc* d : docs::all_commands())
        if (registered(srv, *d)) out.push_back(d);
    return out;
}

// COMMAND INFO's and DOCS's names: "get", "client|list", any case.
const command_doc* by_name(const server& srv, std::string_view name) {
    const command_doc* d = docs::find(name);
    return d && registered(srv, *d) ? d : nullptr;
}

void info_cmd(command_context& c) {
    if (c.args.size() == 2) { // no names: every command
        auto all = listed(c.srv);
        c.out.array(all.size());
        for (const command_doc* d : all) reply_info(c.out, *d);
        return;
    }
    c.out.array(c.args.size() - 2);
    for (std::size_t i = 2; i < c.args.size(); ++i) {
        if (const command_doc* d = by_name(c.srv, c.args[i]))
            reply_info(c.out, *d);
        else
            c.out.null(); // $-1 in RESP2, as Redis (not *-1)
    }
}

void docs_cmd(command_context& c) {
    std::vector<const command_doc*> found;
    if (c.args.size() == 2) {
        found = listed(c.srv);
    } else { // unknown names are left out
        for (std::size_t i = 2; i < c.args.size(); ++i)
            if (const command_doc* d = by_name(c.srv, c.args[i])) found.push_back(d);
    }
    c.out.map(found.size());
    for (const command_doc* d : found) {
        c.out.bulk(d->name);
        reply_docs(c.out, *d);
    }
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob]: names, each command
// followed by its subcommands.
void list_cmd(command_context& c) {
    enum class filter { none, module, aclcat, pattern } by = filter::none;
    std::string_view value;
    if (c.args.size() != 2) {
        if (c.args.size() != 5 || !iequals(c.args[2], "filterby")) return reply_syntax_error(c.out);
        if (iequals(c.args[3], "module"))
            by = filter::module;
        else if (iequals(c.args[3], "aclcat"))
            by = filter::aclcat;
        else if (iequals(c.args[3], "pattern"))
            by = filter::pattern;
        else
            return reply_syntax_error(c.out);
        value = c.args[4];
    }
    std::uint32_t category = 0; // an unknown category matches nothing, as in Redis
    for (std::size_t i = 0; i < std::size(docs::acl_names); ++i)
        if (by == filter::aclcat && iequals(docs::acl_names[i], value)) category = 1u << i;
    auto keep = [&](const command_doc& d) {
        switch (by) {
        case filter::none:
            return true;
        case filter::module:
            return false; // corio-redis loads no modules
        case filter::aclcat:
            return (d.acl & category) != 0;
        case filter::pattern:
            return glob_match(value, d.name, true);
        }
        return false;
    };
    std::vector<std::string_view> names;
    for (const command_doc* d : listed(c.srv)) {
        if (keep(*d)) names.push_back(d->name);
        for (const auto& s : d->subcommands)
            if (keep(s)) names.push_back(s.name);
    }
    c.out.array(names.size());
    for (auto n : names) c.out.bulk(n);
}

// ---- GETKEYS and GETKEYSANDFLAGS (the keys: key_finder.hpp)

// As Redis's lookupCommand: the first word names a command; a container's subcommand is the
// second word when there is one.
const command_doc* command_of(const server& srv, line_view line) {
    if (line[0].find('|') != std::string_view::npos) return nullptr;
    const command_doc* d = by_name(srv, line[0]);
    if (!d || line.size() == 1 || d->subcommands.empty()) return d;
    return docs::find_subcommand(*d, line[1]);
}

void getkeys_cmd(command_context& c, bool with_flags) {
    line_view line = c.args.subspan(2);
    const command_doc* d = command_of(c.srv, line);
    if (!d) return c.out.error("ERR Invalid command specified");
    if (!has_key_specs(*d)) return c.out.error("ERR The command has no key arguments");
    if (!arity_fits(d->arity, line.size()))
        return c.out.error("ERR Invalid number of arguments specified for command");
    std::vector<key_ref> keys;
    find_keys(*d, line, keys);
    if (keys.empty()) {
        if (d->flags & docs::c_no_mandatory_keys) return c.out.array(0);
        return c.out.error("ERR Invalid arguments specified for command");
    }
    c.out.array(keys.size());
    for (const auto& k : keys) {
        if (with_flags) c.out.array(2);
        c.out.bulk(line[k.pos]);
        if (with_flags) reply_flags(c.out, k.flags, docs::key_flag_names);
    }
}

// In corio's words, not Redis's.
void help_cmd(command_context& c) {
    static constexpr std::string_view lines[] = {
        "COMMAND [<subcommand> [<arg> ...]]. Subcommands:",
        "(none) -- every command, described as INFO does.",
        "COUNT -- how many commands there are (subcommands not counted).",
        "LIST [FILTERBY MODULE <name>|ACLCAT <category>|PATTERN <glob>] -- the names of the "
        "commands and subcommands, all or those the filter keeps.",
        "INFO [<command-name> ...] -- arity, flags, key positions, ACL categories, tips, key "
        "specs and subcommands of each command named (of every command if none is).",
        "DOCS [<command-name> ...] -- summary, versions, complexity and arguments of each "
        "command named (of every command if none is).",
        "GETKEYS <command> [<arg> ...] -- the key names in that command line.",
        "GETKEYSANDFLAGS <command> [<arg> ...] -- the key names in that command line, each "
        "with how the command uses it.",
        "HELP -- this text.",
    };
    c.out.array(std::size(lines));
    for (auto l : lines) c.out.simple(l);
}

// Redis's text, the name cut to 128 bytes.
std::string unknown_subcommand(std::string_view sub) {
    return "ERR unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try COMMAND HELP.";
}

} // namespace

void command_cmd(command_context& c) {
    if (c.args.size() == 1) { // COMMAND: every command, as COMMAND INFO describes it
        auto all = listed(c.srv);
        c.out.array(all.size());
        for (const command_doc* d : all) reply_info(c.out, *d);
        return;
    }
    const command_doc* self = docs::find("command");
    const command_doc* sub = self ? docs::find_subcommand(*self, c.args[1]) : nullptr;
    if (!sub) return c.out.error(unknown_subcommand(c.args[1]));
    if (!arity_fits(sub->arity, c.args.size())) return reply_wrong_arity(c.out, sub->name);
    std::string_view name = sub->name.substr(sub->name.find('|') + 1);
    if (name == "count") return c.out.integer(static_cast<long long>(listed(c.srv).size()));
    if (name == "list") return list_cmd(c);
    if (name == "info") return info_cmd(c);
    if (name == "docs") return docs_cmd(c);
    if (name == "getkeys") return getkeys_cmd(c, false);
    if (name == "getkeysandflags") return getkeys_cmd(c, true);
    if (name == "help") return help_cmd(c);
    c.out.error(unknown_subcommand(c.args[1]));
}

std::vector<std::string> command_docs_problems(const command_table& registered) {
    std::vector<std::string> out;
    for (const auto& [name, spec] : registered) {
        const command_doc* d = docs::find(name);
        if (!d) {
            out.push_back(fmt::format("{} is registered but has no docs", name));
            continue;
        }
        if (d->arity != spec.arity)
            out.push_back(
                fmt::format("{}: arity {} registered, {} in its docs", name, spec.arity, d->arity));
        if (d->subcommands.empty() == ((spec.flags & cmd_container) != 0))
            out.push_back(fmt::format("{}: its spec and its docs disagree on subcommands", name));
        for (const auto& s : d->subcommands) {
            // The session names subcommands (CLIENT LIST's cmd=, refusals) from its own list.
            std::string_view own = s.name.substr(d->name.size() + 1);
            if (detail::known_subcommand(name, own) != own)
                out.push_back(
                    fmt::format("{} is documented; the session does not know it", s.name));
        }
    }
    for (const command_doc* d : docs::all_commands())
        if (!registered.contains(std::string(d->name)))
            out.push_back(fmt::format("{} is documented but not registered", d->name));
    return out;
}

} // namespace corio_redis
