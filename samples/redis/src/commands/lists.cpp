// List commands (the non-blocking ones): LPUSH/RPUSH(X), LPOP/RPOP with a count, LLEN,
// LRANGE, LINDEX, LSET, LREM, LTRIM, LINSERT, LPOS, LMOVE/RPOPLPUSH and LMPOP. A list that
// becomes empty is deleted, as Redis never keeps empty lists.
#include "../server.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>

namespace corio_redis {
namespace {

using db::entry;
using db::list_type;
using db::value;
using db::value_type;

// The list at key, or null; `wrong` when the key holds another type.
list_type* find_list(command_context& c, std::string_view key, bool& wrong) {
    entry* e = c.db().find(key, c.now_ms);
    wrong = e && e->val.type() != value_type::list;
    return e && !wrong ? &e->val.list() : nullptr;
}

// After a change: an emptied list is deleted, as Redis never keeps an empty one.
void drop_if_empty(command_context& c, std::string_view key, list_type& l) {
    if (!l.empty()) return;
    c.db().erase(key);
    key_changed(c, notify_generic, "del", key);
}

void push(command_context& c, bool left, bool only_existing) {
    bool wrong = false;
    list_type* l = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!l) {
        if (only_existing) return c.out.integer(0);
        l = &c.db().put(c.args[1], value::new_list(), c.now_ms).val.list();
    }
    for (std::size_t i = 2; i < c.args.size(); ++i) {
        if (left)
            l->emplace_front(c.args[i]);
        else
            l->emplace_back(c.args[i]);
    }
    key_changed(c, notify_list, left ? "lpush" : "rpush", c.args[1]);
    c.out.integer(static_cast<long long>(l->size()));
}
void lpush(command_context& c) {
    push(c, true, false);
}
void rpush(command_context& c) {
    push(c, false, false);
}
void lpushx(command_context& c) {
    push(c, true, true);
}
void rpushx(command_context& c) {
    push(c, false, true);
}

void pop(command_context& c, bool left) {
    if (c.args.size() > 3) return reply_wrong_arity(c.out, left ? "lpop" : "rpop");
    long long count = -1;
    if (c.args.size() == 3) {
        if (!parse_integer(c.args[2], count) || count < 0)
            return c.out.error("ERR value is out of range, must be positive");
    }
    bool wrong = false;
    list_type* l = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!l) return count >= 0 ? c.out.null_array() : c.out.null();
    if (count < 0) {
        c.out.bulk(db::pop_end(*l, left));
        key_changed(c, notify_list, left ? "lpop" : "rpop", c.args[1]);
        return drop_if_empty(c, c.args[1], *l);
    }
    std::size_t n = std::min(static_cast<std::size_t>(count), l->size());
    c.out.array(n);
    for (std::size_t i = 0; i < n; ++i) c.out.bulk(db::pop_end(*l, left));
    if (n > 0) key_changed(c, notify_list, left ? "lpop" : "rpop", c.args[1]);
    drop_if_empty(c, c.args[1], *l);
}
void lpop(command_context& c) {
    pop(c, true);
}
void rpop(command_context& c) {
    pop(c, false);
}

void llen(command_context& c) {
    bool wrong = false;
    list_type* l = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    c.out.integer(l ? static_cast<long long>(l->size()) : 0);
}

void lrange(command_context& c) {
    long long start = 0, stop = 0;
    if (!parse_integer(c.args[2], start) || !parse_integer(c.args[3], stop))
        return reply_not_integer(c.out);
    bool wrong = false;
    list_type* l = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!l) return c.out.array(0);
    long long len = static_cast<long long>(l->size());
    if (start < 0) start = std::max(len + start, 0ll);
    if (stop < 0) stop = len + stop;
    if (stop >= len) stop = len - 1;
    if (start > stop || start >= len) return c.out.array(0);
    c.out.array(static_cast<std::size_t>(stop - start + 1));
    for (long long i = start; i <= stop; ++i) c.out.bulk((*l)[static_cast<std::size_t>(i)]);
}

void lindex(command_context& c) {
    long long index = 0;
    if (!parse_integer(c.args[2], index)) return reply_not_integer(c.out);
    bool wrong = false;
    list_type* l = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!l) return c.out.null();
    long long len = static_cast<long long>(l->size());
    if (index < 0) index += len;
    if (index < 0 || index >= len) return c.out.null();
    c.out.bulk((*l)[static_cast<std::size_t>(index)]);
}

void lset(command_context& c) {
    long long index = 0;
    if (!parse_integer(c.args[2], index)) return reply_not_integer(c.out);
    bool wrong = false;
    list_type* l = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!l) return c.out.error("ERR no such key");
    long long len = static_cast<long long>(l->size());
    if (index < 0) index += len;
    if (index < 0 || index >= len) return c.out.error("ERR index out of range");
    (*l)[static_cast<std::size_t>(index)] = std::string(c.args[3]);
    key_changed(c, notify_list, "lset", c.args[1]);
    c.out.ok();
}

// LREM key count element: count > 0 from the head, < 0 from the tail, 0 all.
void lrem(command_context& c) {
    long long count = 0;
    if (!parse_integer(c.args[2], count)) return reply_not_integer(c.out);
    bool wrong = false;
    list_type* l = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!l) return c.out.integer(0);
    long long removed = 0;
    std::string_view element = c.args[3];
    if (count >= 0) {
        for (auto it = l->begin(); it != l->end() && (count == 0 || removed < count);) {
            if (*it == element) {
                it = l->erase(it);
                ++removed;
            } else {
                ++it;
            }
        }
    } else {
        for (auto i = static_cast<long long>(l->size()) - 1; i >= 0 && removed < -count; --i) {
            if ((*l)[static_cast<std::size_t>(i)] == element) {
                l->erase(l->begin() + i);
                ++removed;
            }
        }
    }
    if (removed > 0) {
        key_changed(c, notify_list, "lrem", c.args[1]);
        drop_if_empty(c, c.args[1], *l);
    }
    c.out.integer(removed);
}

void ltrim(command_context& c) {
    long long start = 0, stop = 0;
    if (!parse_integer(c.args[2], start) || !parse_integer(c.args[3], stop))
        return reply_not_integer(c.out);
    bool wrong = false;
    list_type* l = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!l) return c.out.ok();
    long long len = static_cast<long long>(l->size());
    if (start < 0) start = std::max(len + start, 0ll);
    if (stop < 0) stop = len + stop;
    if (stop >= len) stop = len - 1;
    if (start > stop || start >= len) {
        l->clear();
    } else {
        l->erase(l->begin() + stop + 1, l->end());
        l->erase(l->begin(), l->begin() + start);
    }
    key_changed(c, notify_list, "ltrim", c.args[1]);
    drop_if_empty(c, c.args[1], *l);
    c.out.ok();
}

// LINSERT key BEFORE|AFTER pivot element
void linsert(command_context& c) {
    bool before = iequals(c.args[2], "before");
    if (!before && !iequals(c.args[2], "after")) return reply_syntax_error(c.out);
    bool wrong = false;
    list_type* l = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!l) return c.out.integer(0);
    auto it = std::find(l->begin(), l->end(), c.args[3]);
    if (it == l->end()) return c.out.integer(-1);
    l->insert(before ? it : it + 1, std::string(c.args[4]));
    key_changed(c, notify_list, "linsert", c.args[1]);
    c.out.integer(static_cast<long long>(l->size()));
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void lpos(command_context& c) {
    long long rank = 1, count = -1, maxlen = 0;
    for (std::size_t i = 3; i < c.args.size(); i += 2) {
        if (i + 1 >= c.args.size()) return reply_syntax_error(c.out);
        long long v = 0;
        if (!parse_integer(c.args[i + 1], v)) return reply_not_integer(c.out);
        if (iequals(c.args[i], "rank")) {
            // Redis negates the rank, and LLONG_MIN stays negative: it acts as -1.
            if (v == std::numeric_limits<long long>::min()) v = -1;
            if (v == 0)
                return c.out.error("ERR RANK can't be zero: use 1 to start from the first match, "
                                   "2 from the second ... or use negative to start from the end "
                                   "of the list");
            rank = v;
        } else if (iequals(c.args[i], "count")) {
            if (v < 0) return c.out.error("ERR COUNT can't be negative");
            count = v;
        } else if (iequals(c.args[i], "maxlen")) {
            if (v < 0) return c.out.error("ERR MAXLEN can't be negative");
            maxlen = v;
        } else {
            return reply_syntax_error(c.out);
        }
    }
    bool wrong = false;
    list_type* l = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    std::vector<long long> found;
    if (l) {
        long long len = static_cast<long long>(l->size());
        long long skip = (rank > 0 ? rank : -rank) - 1;
        long long want = count < 0 ? 1 : (count == 0 ? len : count);
        for (long long n = 0;
             n < len && (maxlen == 0 || n < maxlen) && static_cast<long long>(found.size()) < want;
             ++n) {
            long long i = rank > 0 ? n : len - 1 - n;
            if ((*l)[static_cast<std::size_t>(i)] == c.args[2]) {
                if (skip > 0)
                    --skip;
                else
                    found.push_back(i);
            }
        }
    }
    if (count < 0) return found.empty() ? c.out.null() : c.out.integer(found[0]);
    c.out.array(found.size());
    for (long long i : found) c.out.integer(i);
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT (and RPOPLPUSH = RIGHT LEFT), one shard.
void move_common(command_context& c, bool from_left, bool to_left) {
    // Redis's order: a missing source is null whatever the destination holds.
    bool wrong = false;
    list_type* src = find_list(c, c.args[1], wrong);
    if (wrong) return reply_wrong_type(c.out);
    if (!src) return c.out.null();
    list_type* dst = find_list(c, c.args[2], wrong);
    if (wrong) return reply_wrong_type(c.out);
    std::string element = db::pop_end(*src, from_left);
    bool same = c.args[1] == c.args[2];
    if (same)
        dst = src;
    else if (!dst)
        dst = &c.db().put(c.args[2], value::new_list(), c.now_ms).val.list();
    if (to_left)
        dst->push_front(element);
    else
        dst->push_back(element);
    // Redis's order: the push, the pop, then the source's deletion if it emptied.
    key_changed(c, notify_list, to_left ? "lpush" : "rpush", c.args[2]);
    key_changed(c, notify_list, from_left ? "lpop" : "rpop", c.args[1]);
    if (!same) drop_if_empty(c, c.args[1], *src);
    c.out.bulk(element);
}

bool parse_side(std::string_view s, bool& left) {
    if (iequals(s, "left")) {
        left = true;
        return true;
    }
    if (iequals(s, "right")) {
        left = false;
        return true;
    }
    return false;
}

void lmove(command_context& c) {
    bool from_left = false, to_left = false;
    if (!parse_side(c.args[3], from_left) || !parse_side(c.args[4], to_left))
        return reply_syntax_error(c.out);
    move_common(c, from_left, to_left);
}
void rpoplpush(command_context& c) {
    move_common(c, false, true);
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count], one shard.
void lmpop(command_context& c) {
    long long numkeys = 0;
    if (!parse_integer(c.args[1], numkeys) || numkeys <= 0)
        return c.out.error("ERR numkeys should be greater than 0");
    std::size_t where = 2 + static_cast<std::size_t>(numkeys);
    if (where >= c.args.size()) return reply_syntax_error(c.out);
    bool left = false;
    if (!parse_side(c.args[where], left)) return reply_syntax_error(c.out);
    long long count = 1;
    if (where + 1 < c.args.size()) {
        if (where + 3 != c.args.size() || !iequals(c.args[where + 1], "count"))
            return reply_syntax_error(c.out);
        if (!parse_integer(c.args[where + 2], count) || count <= 0)
            return c.out.error("ERR count should be greater than 0");
    }
    for (std::size_t k = 2; k < where; ++k) {
        bool wrong = false;
        list_type* l = find_list(c, c.args[k], wrong);
        if (wrong) return reply_wrong_type(c.out);
        if (!l) continue;
        std::size_t n = std::min(static_cast<std::size_t>(count), l->size());
        c.out.array(2);
        c.out.bulk(c.args[k]);
        c.out.array(n);
        for (std::size_t i = 0; i < n; ++i) c.out.bulk(db::pop_end(*l, left));
        key_changed(c, notify_list, left ? "lpop" : "rpop", c.args[k]);
        drop_if_empty(c, c.args[k], *l);
        return;
    }
    c.out.null_array();
}

} // namespace

void register_list_commands(command_table& t) {
    constexpr std::uint32_t r = cmd_readonly, w = cmd_write;
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({"lpush", -3, w | cmd_fast, 1, 1, 1, lpush});
    add({"rpush", -3, w | cmd_fast, 1, 1, 1, rpush});
    add({"lpushx", -3, w | cmd_fast, 1, 1, 1, lpushx});
    add({"rpushx", -3, w | cmd_fast, 1, 1, 1, rpushx});
    add({"lpop", -2, w | cmd_fast, 1, 1, 1, lpop});
    add({"rpop", -2, w | cmd_fast, 1, 1, 1, rpop});
    add({"llen", 2, r | cmd_fast, 1, 1, 1, llen});
    add({"lrange", 4, r, 1, 1, 1, lrange});
    add({"lindex", 3, r, 1, 1, 1, lindex});
    add({"lset", 4, w, 1, 1, 1, lset});
    add({"lrem", 4, w, 1, 1, 1, lrem});
    add({"ltrim", 4, w, 1, 1, 1, ltrim});
    add({"linsert", 5, w, 1, 1, 1, linsert});
    add({"lpos", -3, r, 1, 1, 1, lpos});
    add({"lmove", 5, w, 1, 2, 1, lmove});
    add({"rpoplpush", 3, w, 1, 2, 1, rpoplpush});
    add({"lmpop", -4, w, 0, 0, 0, lmpop, split_kind::none, 1});
    // Blocking pops: the session runs them (session_blocking.cpp); specs for lookup, arity and
    // key positions.
    auto session_runs = [](command_context&) {};
    constexpr std::uint32_t b = cmd_write | cmd_blocking;
    add({"blpop", -3, b, 1, -2, 1, session_runs});
    add({"brpop", -3, b, 1, -2, 1, session_runs});
    add({"brpoplpush", 4, b, 1, 2, 1, session_runs});
    add({"blmove", 6, b, 1, 2, 1, session_runs});
    add({"blmpop", -5, b, 0, 0, 0, session_runs, split_kind::none, 2});
}

} // namespace corio_redis
