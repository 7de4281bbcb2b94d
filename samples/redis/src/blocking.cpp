// Serving blocked clients; see blocking.hpp.
#include "blocking.hpp"

#include "persist/aof_log.hpp"
#include "resp/reply.hpp"
#include "shard.hpp"

#include <string>

namespace corio_redis {

void note_pop(shard& s, std::size_t db, const blocked_client& b, std::string_view key,
              std::size_t popped) {
    if (!s.aof || s.touch_log) return s.touch(db, key); // no log, or a command's capture
    s.mark_written(db, key);
    // The pop itself, not the list's state: a long list would be logged whole each time.
    const std::string count = std::to_string(popped);
    const std::string_view pop[] = {b.left ? "LPOP" : "RPOP", key, count};
    s.aof->append(db, pop);
}

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
        const bool logged = s.aof && !s.touch_log;
        if (logged) { // the push itself, not the destination's whole state
            const std::string_view push[] = {to_left ? "LPUSH" : "RPUSH", destination, element};
            s.aof->append(db, push);
        }
        if (to_left)
            dst.val.list().push_front(std::move(element));
        else
            dst.val.list().push_back(std::move(element));
        s.dbs[db].notify(notify_list, to_left ? "lpush" : "rpush", destination);
        if (logged)
            s.mark_written(db, destination);
        else
            s.touch(db, destination);
    } else {
        s.touch(db, destination);
    }
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
        const std::size_t before = list.size();
        std::string reply = pop_for(*b, key, list, &element);
        const std::size_t taken = before - list.size();
        popped(d, *b, key, list);
        note_pop(s, db, *b, key, taken); // WATCH, and the append-only log
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
