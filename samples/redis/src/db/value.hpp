// A stored value: a type tag and its data. Strings are held inline; collections behind a
// pointer, so a key of any type costs the same small entry. Sorted sets, streams and the
// rest get their own alternatives when they come (see docs/redis.md).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>

namespace corio_redis::db {

// Heterogeneous lookup: find by string_view without building a std::string.
struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

using list_type = std::deque<std::string>;

// Hashes and sets remember which of Redis's encodings they would have (OBJECT ENCODING):
// the small one (a hash's listpack, a set's intset) until a write outgrows it, the
// hashtable from then on, never back, as in Redis (commands/encoding.hpp keeps the flag).
using hash_map = std::unordered_map<std::string, std::string, string_hash, std::equal_to<>>;
struct hash_type : hash_map {
    using hash_map::hash_map;
    bool hashtable = false; // false: Redis would hold it as a listpack
};
using set_base = std::unordered_set<std::string, string_hash, std::equal_to<>>;
struct set_type : set_base {
    using set_base::set_base;
    bool hashtable = false; // false: Redis would hold it as an intset
};

/// Removes and returns the first (left) or last element of a non-empty list.
inline std::string pop_end(list_type& l, bool left) {
    std::string e = std::move(left ? l.front() : l.back());
    if (left)
        l.pop_front();
    else
        l.pop_back();
    return e;
}

enum class value_type : std::uint8_t { string, list, hash, set };

/// The name TYPE replies with.
std::string_view type_name(value_type t) noexcept;

struct value {
    std::variant<std::string, std::unique_ptr<list_type>, std::unique_ptr<hash_type>,
                 std::unique_ptr<set_type>>
        data;

    value_type type() const noexcept { return static_cast<value_type>(data.index()); }
    std::string& str() { return std::get<0>(data); }
    const std::string& str() const { return std::get<0>(data); }
    list_type& list() { return *std::get<1>(data); }
    hash_type& hash() { return *std::get<2>(data); }
    set_type& set() { return *std::get<3>(data); }

    static value of_string(std::string s) { return value{std::move(s)}; }
    static value new_list() { return value{std::make_unique<list_type>()}; }
    static value new_hash() { return value{std::make_unique<hash_type>()}; }
    static value new_set() { return value{std::make_unique<set_type>()}; }
    /// A deep copy (COPY).
    value clone() const;
};

/// A key's entry: its value and absolute expiry (unix ms; 0: none).
struct entry {
    value val;
    std::int64_t expire_at = 0;
};

} // namespace corio_redis::db
