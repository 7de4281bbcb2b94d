// Serving blocked clients; see blocking.hpp.
#include "blocking.hpp"

#include "resp/reply.hpp"
#include "shard.hpp"

namespace corio_redis {

std::string pop_for(blocked_client& b, std::string_view key, db::list_type& list,
                    std::string* moved) {
    std::string bytes;
    resp::reply out(bytes, b.protocol);
    auto take = [&] { return db::pop_end(list, b.left); };
    if (b.is_mpop) {
        std::size_t n = std::min(b.count, list.size());
        out.array(2);
        out.bulk(key);
        out.array(n);
        for (std::size_t i = 0; i < n; ++i) out.bulk(take());
        return bytes;
    }
    std::string element = take();
    if (b.is_move) {
        if (moved) *moved = element;
        if (b.push_pending) return element;
        out.bulk(element);
        return bytes;
    }
    out.array(2);
    out.bulk(key);
    out.bulk(element);
    return bytes;
}

void popped(db::database& d, const blocked_client& b, std::string_view key,
            const db::list_type& list) {
    d.notify(notify_list, b.left ? "lpop" : "rpop", key);
    if (!list.empty()) return;
    d.notify(notify_generic, "del", key);
    d.erase(key);
}

void push_moved(shard& s, std::size_t db, std::string_view destination, bool to_left,
                std::string element, std::int64_t now_ms, std::size_t shard_count) {
    bool created = false;
    db::entry& dst = s.dbs[db].find_or_create(destination, now_ms, created);
    if (created) dst.val = db::value::new_list();
    if (dst.val.type() == db::value_type::list) {
        if (to_left)
            dst.val.list().push_front(std::move(element));
        else
            dst.val.list().push_back(std::move(element));
        s.dbs[db].notify(notify_list, to_left ? "lpush" : "rpush", destination);
    }
    s.touch(db, destination);
    serve_blocked(s, db, destination, now_ms, shard_count);
}

void serve_blocked(shard& s, std::size_t db, std::string_view key, std::int64_t now_ms,
                   std::size_t shard_count) {
    if (s.blocked_count == 0) return;
    auto it = s.blocked[db].find(key);
    if (it == s.blocked[db].end()) return;
    auto& queue = it->second;
    auto& d = s.dbs[db];
    while (!queue.empty()) {
        db::entry* e = d.find(key, now_ms);
        if (!e || e->val.type() != db::value_type::list || e->val.list().empty()) break;
        blocked_ptr b = std::move(queue.front());
        queue.pop_front();
        --s.blocked_count;
        if (b->claimed.exchange(true)) continue; // served elsewhere, timed out, or gone
        db::list_type& list = e->val.list();
        std::string destination = b->destination;
        bool local_push = b->is_move && shard_index(destination, shard_count) == s.index;
        b->push_pending = b->is_move && !local_push;
        std::string element;
        std::string reply = pop_for(*b, key, list, &element);
        popped(d, *b, key, list);
        s.touch(db, key); // WATCH, and the append-only log: the pop changed the list
        if (local_push) {
            // BLMOVE within this shard: the element lands in the destination now (which may
            // in turn serve someone blocked there).
            b->done.try_send(boost::system::error_code{}, std::move(reply));
            push_moved(s, db, destination, b->to_left, std::move(element), now_ms, shard_count);
            it = s.blocked[db].find(key);
            if (it == s.blocked[db].end()) return;
            continue;
        }
        b->done.try_send(boost::system::error_code{}, std::move(reply));
    }
    // Drop what the loop left claimed at the front, and the entry once empty.
    while (!queue.empty() && queue.front()->claimed.load()) {
        queue.pop_front();
        --s.blocked_count;
    }
    if (queue.empty()) s.blocked[db].erase(it);
}

} // namespace corio_redis
