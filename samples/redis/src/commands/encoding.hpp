// Redis 7.0's encodings, as OBJECT ENCODING names them. Strings are judged by their bytes;
// hashes and sets carry a flag (db/value.hpp) that the writes below set the moment Redis
// would convert them to a hashtable (it never converts back).
#pragma once

#include "../command.hpp"
#include "../config.hpp"

#include <span>
#include <string_view>

namespace corio_redis {

/// An integer Redis would store as such: decimal, fitting a long (string2ll's rules).
inline bool integer_like(std::string_view s) noexcept {
    long long v = 0;
    return parse_integer(s, v);
}

/// After a hash write that was given `items` (its fields and values): Redis's listpack
/// becomes a hashtable on a field or value longer than hash-max-listpack-value, or when the
/// hash holds more than hash-max-listpack-entries fields.
inline void note_hash_write(db::hash_type& h, std::span<const std::string_view> items,
                            const config& cfg) {
    if (h.hashtable) return;
    const auto max_value = static_cast<unsigned long long>(cfg.hash_max_listpack_value());
    for (std::string_view s : items) {
        if (s.size() > max_value) {
            h.hashtable = true;
            return;
        }
    }
    if (h.size() > static_cast<unsigned long long>(cfg.hash_max_listpack_entries()))
        h.hashtable = true;
}

/// After `member` was added to s: an intset becomes a hashtable on a member that is not an
/// integer, or past set-max-intset-entries members.
inline void note_set_add(db::set_type& s, std::string_view member, const config& cfg) {
    if (s.hashtable) return;
    if (!integer_like(member) ||
        s.size() > static_cast<unsigned long long>(cfg.set_max_intset_entries()))
        s.hashtable = true;
}

/// A set Redis builds anew (the *STORE commands, SPOP's rebuild): an intset if every member
/// is an integer and there are few enough of them.
inline void settle_set_encoding(db::set_type& s, const config& cfg) {
    s.hashtable = s.size() > static_cast<unsigned long long>(cfg.set_max_intset_entries());
    for (auto it = s.begin(); !s.hashtable && it != s.end(); ++it)
        if (!integer_like(*it)) s.hashtable = true;
}

/// A hash Redis builds whole (RESTORE, loading a snapshot): a listpack if it is small
/// enough in fields and in every field's and value's length.
inline void settle_hash_encoding(db::hash_type& h, const config& cfg) {
    const auto max_value = static_cast<unsigned long long>(cfg.hash_max_listpack_value());
    h.hashtable = h.size() > static_cast<unsigned long long>(cfg.hash_max_listpack_entries());
    for (auto it = h.begin(); !h.hashtable && it != h.end(); ++it)
        if (it->first.size() > max_value || it->second.size() > max_value) h.hashtable = true;
}

/// The encoding flags of a value made whole (RESTORE, loading a snapshot).
inline void settle_encoding(db::value& v, const config& cfg) {
    if (v.type() == db::value_type::hash) settle_hash_encoding(v.hash(), cfg);
    if (v.type() == db::value_type::set) settle_set_encoding(v.set(), cfg);
}

/// RESTORE's IDLETIME / FREQ, a snapshot's IDLE / FREQ: the one the policy keeps (LRU: the
/// idle time, LFU: the counter; -1: not given), as Redis's objectSetLRUOrLFU.
inline void set_idle_or_frequency(db::entry& e, const config& cfg, std::int64_t now_ms,
                                  long long idle_seconds, int freq) {
    if (cfg.lfu_policy()) {
        if (freq >= 0)
            db::keyspace::set_access(e,
                                     db::access_clock::lfu_field(db::access_clock::minutes(now_ms),
                                                                 static_cast<std::uint32_t>(freq)));
    } else if (idle_seconds >= 0) {
        db::keyspace::set_access(e, static_cast<std::uint32_t>(now_ms / 1000 - idle_seconds));
    }
}

/// OBJECT ENCODING's answer for a value.
std::string_view encoding_name(const db::value& v);

} // namespace corio_redis
