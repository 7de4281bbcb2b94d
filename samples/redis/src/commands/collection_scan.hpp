// What HSCAN and SSCAN share: Redis's cursor check, the MATCH/COUNT options, and the walk over
// a collection's buckets from the cursor (a cursor is a bucket index: see hashes.cpp).
#pragma once

#include "../command.hpp"
#include "../config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis {

/// A SCAN cursor as Redis's strtoul-based check reads it; false if it is not one.
inline bool parse_scan_cursor(std::string_view s, unsigned long long& out) {
    if (!s.empty() && std::isspace(static_cast<unsigned char>(s[0]))) return false;
    std::string text(s);
    char* end = nullptr;
    errno = 0;
    out = std::strtoull(text.c_str(), &end, 10);
    return *end == '\0' && errno != ERANGE;
}

struct scan_options {
    long long count = 10;
    std::string_view pattern;
    bool use_pattern = false; // false for no MATCH or MATCH *
};

/// [MATCH pattern] [COUNT count] from args[first] on; false with the error replied.
inline bool parse_scan_options(command_context& c, std::size_t first, scan_options& o) {
    for (std::size_t i = first; i < c.args.size(); i += 2) {
        bool has_value = i + 1 < c.args.size();
        if (iequals(c.args[i], "count") && has_value) {
            if (!parse_integer(c.args[i + 1], o.count)) {
                reply_not_integer(c.out);
                return false;
            }
            if (o.count < 1) {
                reply_syntax_error(c.out);
                return false;
            }
        } else if (iequals(c.args[i], "match") && has_value) {
            o.pattern = c.args[i + 1];
            o.use_pattern = o.pattern != "*";
        } else {
            reply_syntax_error(c.out);
            return false;
        }
    }
    return true;
}

/// Walks `table`'s buckets from `cursor`, appending a pointer to each element whose name
/// (`name_of(element)`) matches to `found`; returns the next cursor (0 at the end). As in
/// Redis, COUNT is the work asked for: about `count` elements gathered, and at most
/// 10 * count buckets visited (so that a sparse table still answers quickly). MATCH filters
/// what was gathered, so a call may return fewer than COUNT.
template <class Table, class NameOf>
std::size_t scan_buckets(const Table& table, unsigned long long cursor, const scan_options& o,
                         NameOf name_of, std::vector<const typename Table::value_type*>& found) {
    const std::size_t buckets = table.bucket_count();
    std::size_t b = static_cast<std::size_t>(std::min<unsigned long long>(cursor, buckets));
    long long visits =
        o.count > std::numeric_limits<long long>::max() / 10 ? o.count : o.count * 10;
    long long gathered = 0;
    while (b < buckets) {
        for (auto it = table.begin(b); it != table.end(b); ++it, ++gathered)
            if (!o.use_pattern || glob_match(o.pattern, name_of(*it))) found.push_back(&*it);
        ++b;
        if (gathered >= o.count || --visits <= 0) break;
    }
    return b >= buckets ? 0 : b;
}

/// The reply to a scan of a key that does not exist: cursor 0, nothing.
inline void reply_empty_scan(resp::reply& out) {
    out.array(2);
    out.bulk("0");
    out.array(0);
}

} // namespace corio_redis
