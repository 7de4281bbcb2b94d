// What COMMAND INFO and COMMAND DOCS say about each command: Redis 7.0.15's facts (arity,
// flags, key positions, ACL categories, tips, key specs, argument structure, versions) with
// corio's own summaries. One file per family here fills a table; commands/command.cpp replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace corio_redis::docs {

/// A view of a static array. Not std::span: command_doc and arg hold lists of themselves,
/// and are incomplete there.
template <class T>
struct list {
    const T* first = nullptr;
    std::size_t count = 0;

    constexpr list() = default;
    template <std::size_t N>
    constexpr list(const T (&a)[N]) : first(a), count(N) {}

    constexpr const T* begin() const { return first; }
    constexpr const T* end() const { return first + count; }
    constexpr std::size_t size() const { return count; }
    constexpr bool empty() const { return count == 0; }
};

// Redis's command flags; bit i is named command_flag_names[i], in COMMAND INFO's order.
enum command_flag : std::uint32_t {
    c_write = 1u << 0,
    c_readonly = 1u << 1,
    c_denyoom = 1u << 2,
    c_module = 1u << 3,
    c_admin = 1u << 4,
    c_pubsub = 1u << 5,
    c_noscript = 1u << 6,
    c_blocking = 1u << 7,
    c_loading = 1u << 8,
    c_stale = 1u << 9,
    c_skip_monitor = 1u << 10,
    c_skip_slowlog = 1u << 11,
    c_asking = 1u << 12,
    c_fast = 1u << 13,
    c_no_auth = 1u << 14,
    c_no_mandatory_keys = 1u << 15,
    c_no_async_loading = 1u << 16,
    c_no_multi = 1u << 17,
    c_movablekeys = 1u << 18,
    c_allow_busy = 1u << 19,
};
inline constexpr std::string_view command_flag_names[] = {
    "write",
    "readonly",
    "denyoom",
    "module",
    "admin",
    "pubsub",
    "noscript",
    "blocking",
    "loading",
    "stale",
    "skip_monitor",
    "skip_slowlog",
    "asking",
    "fast",
    "no_auth",
    "no_mandatory_keys",
    "no_async_loading",
    "no_multi",
    "movablekeys",
    "allow_busy",
};

// ACL categories; bit i is named acl_names[i] (without the '@'), in Redis's order.
enum acl_category : std::uint32_t {
    acl_keyspace = 1u << 0,
    acl_read = 1u << 1,
    acl_write = 1u << 2,
    acl_set = 1u << 3,
    acl_sortedset = 1u << 4,
    acl_list = 1u << 5,
    acl_hash = 1u << 6,
    acl_string = 1u << 7,
    acl_bitmap = 1u << 8,
    acl_hyperloglog = 1u << 9,
    acl_geo = 1u << 10,
    acl_stream = 1u << 11,
    acl_pubsub = 1u << 12,
    acl_admin = 1u << 13,
    acl_fast = 1u << 14,
    acl_slow = 1u << 15,
    acl_blocking = 1u << 16,
    acl_dangerous = 1u << 17,
    acl_connection = 1u << 18,
    acl_transaction = 1u << 19,
    acl_scripting = 1u << 20,
};
inline constexpr std::string_view acl_names[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};

// Key spec flags; bit i is named key_flag_names[i].
enum key_flag : unsigned {
    k_ro = 1u << 0,
    k_rw = 1u << 1,
    k_ow = 1u << 2,
    k_rm = 1u << 3,
    k_access = 1u << 4,
    k_update = 1u << 5,
    k_insert = 1u << 6,
    k_delete = 1u << 7,
    k_not_key = 1u << 8,
    k_incomplete = 1u << 9,
    k_variable_flags = 1u << 10,
};
inline constexpr std::string_view key_flag_names[] = {
    "RO",     "RW",     "OW",      "RM",         "access",         "update",
    "insert", "delete", "not_key", "incomplete", "variable_flags",
};

// COMMAND DOCS's doc_flags.
enum doc_flag : unsigned { d_deprecated = 1u << 0, d_syscmd = 1u << 1 };
inline constexpr std::string_view doc_flag_names[] = {"deprecated", "syscmd"};

/// Where a key spec's keys start: at a fixed index, or after a keyword searched for from
/// `startfrom` (negative: from the end, backwards).
struct begin_search {
    int index = 0;
    std::string_view keyword = {};
    int startfrom = 0;
};
/// Where they end: a range (lastkey relative to the first key, negative counts from the end;
/// limit > 1 keeps 1/limit of what is left), or a count at keynumidx after the start, the
/// keys firstkey after it.
struct find_keys {
    bool keynum = false;
    int lastkey = 0, keystep = 1, limit = 0;
    int keynumidx = 0, firstkey = 0;
};
constexpr begin_search at(int index) {
    begin_search b;
    b.index = index;
    return b;
}
constexpr begin_search keyword(std::string_view word, int startfrom) {
    begin_search b;
    b.keyword = word;
    b.startfrom = startfrom;
    return b;
}
constexpr find_keys range(int lastkey, int keystep, int limit) {
    find_keys f;
    f.lastkey = lastkey;
    f.keystep = keystep;
    f.limit = limit;
    return f;
}
constexpr find_keys keynum(int keynumidx, int firstkey, int keystep) {
    find_keys f;
    f.keynum = true;
    f.keynumidx = keynumidx;
    f.firstkey = firstkey;
    f.keystep = keystep;
    return f;
}

struct key_spec {
    unsigned flags; // key_flag bits
    begin_search begin;
    find_keys find;
    std::string_view notes = {};
};

// The two shapes most commands have: the key at 1, or every argument from 1 a key.
template <unsigned F>
inline constexpr key_spec one_key[] = {{F, at(1), range(0, 1, 0)}};
template <unsigned F>
inline constexpr key_spec all_keys[] = {{F, at(1), range(-1, 1, 0)}};

enum class arg_type : std::uint8_t {
    string,
    integer,
    double_,
    key,
    pattern,
    unix_time,
    pure_token,
    oneof,
    block
};
inline constexpr std::string_view arg_type_names[] = {
    "string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block",
};

// Argument flags; bit i is named arg_flag_names[i].
enum arg_flag : std::uint8_t {
    a_optional = 1u << 0,
    a_multiple = 1u << 1,
    a_multiple_token = 1u << 2
};
inline constexpr std::string_view arg_flag_names[] = {"optional", "multiple", "multiple_token"};

/// One argument of COMMAND DOCS, built as str("value").tok("EX").since("2.6.12").opt().
struct arg {
    std::string_view name;
    arg_type type = arg_type::string;
    int key_spec_index = -1;
    std::string_view token, since_version, deprecated_version;
    std::uint8_t flags = 0;
    list<arg> args; // a oneof's choices, a block's parts

    constexpr arg tok(std::string_view t) const {
        arg a = *this;
        a.token = t;
        return a;
    }
    constexpr arg since(std::string_view v) const {
        arg a = *this;
        a.since_version = v;
        return a;
    }
    constexpr arg deprecated(std::string_view v) const {
        arg a = *this;
        a.deprecated_version = v;
        return a;
    }
    constexpr arg opt() const { return with(a_optional); }
    constexpr arg multi() const { return with(a_multiple); }
    constexpr arg multi_token() const { return with(a_multiple_token); }

private:
    constexpr arg with(std::uint8_t f) const {
        arg a = *this;
        a.flags = static_cast<std::uint8_t>(a.flags | f);
        return a;
    }
};

constexpr arg make_arg(std::string_view name, arg_type type) {
    arg a;
    a.name = name;
    a.type = type;
    return a;
}
constexpr arg str(std::string_view name) {
    return make_arg(name, arg_type::string);
}
constexpr arg integer(std::string_view name) {
    return make_arg(name, arg_type::integer);
}
constexpr arg dbl(std::string_view name) {
    return make_arg(name, arg_type::double_);
}
constexpr arg pattern(std::string_view name) {
    return make_arg(name, arg_type::pattern);
}
constexpr arg unix_time(std::string_view name) {
    return make_arg(name, arg_type::unix_time);
}
constexpr arg key(std::string_view name, int key_spec_index) {
    arg a = make_arg(name, arg_type::key);
    a.key_spec_index = key_spec_index;
    return a;
}
constexpr arg pure_token(std::string_view name, std::string_view token) {
    return make_arg(name, arg_type::pure_token).tok(token);
}
template <std::size_t N>
constexpr arg oneof(std::string_view name, const arg (&choices)[N]) {
    arg a = make_arg(name, arg_type::oneof);
    a.args = choices;
    return a;
}
template <std::size_t N>
constexpr arg block(std::string_view name, const arg (&parts)[N]) {
    arg a = make_arg(name, arg_type::block);
    a.args = parts;
    return a;
}

/// The arguments of the many commands that take just a key.
inline constexpr arg key_arg[] = {key("key", 0)};

struct history_entry {
    std::string_view version, text;
};

/// COMMAND INFO's legacy key positions: first, last (negative counts from the end), step.
struct legacy_keys {
    int first = 0, last = 0, step = 0;
};

struct command_doc {
    // COMMAND INFO
    std::string_view name; // lower case; "client|list" for a subcommand
    int arity = 0;         // Redis's: n exact, -n at least n (the name counts)
    std::uint32_t flags = 0;
    legacy_keys keys = {};
    std::uint32_t acl = 0;
    std::string_view tips = {}; // separated by spaces
    list<key_spec> key_specs = {};
    // COMMAND DOCS
    std::string_view summary, since, group, complexity;
    unsigned doc_flags = 0;
    std::string_view deprecated_since = {}, replaced_by = {};
    list<history_entry> history = {};
    list<arg> args = {};
    list<command_doc> subcommands = {};
};

// Each family's table (commands/docs/*.cpp).
list<command_doc> connection_docs();
list<command_doc> pubsub_docs();
list<command_doc> server_docs();
list<command_doc> persistence_docs();
list<command_doc> introspection_docs(); // OBJECT, MEMORY, DEBUG, FUNCTION, SLOWLOG...
list<command_doc> strings_docs();
list<command_doc> keys_docs();
list<command_doc> bitmaps_docs();
list<command_doc> sets_docs();
list<command_doc> lists_docs();
list<command_doc> hashes_docs();
list<command_doc> acl_docs();

/// Every documented command (not subcommands), family after family.
const std::vector<const command_doc*>& all_commands();
/// A command by name in any case; "container|sub" finds a subcommand. Null if unknown.
const command_doc* find(std::string_view name);
/// A container's subcommand by its own name ("list" for CLIENT LIST), any case; or null.
const command_doc* find_subcommand(const command_doc& container, std::string_view sub);

} // namespace corio_redis::docs
