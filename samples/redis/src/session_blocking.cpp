// BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP (blocking.hpp has the design). The client's
// keys are visited in order, each on its shard: a non-empty list serves it at once;
// otherwise it registers there and, once every key is visited, waits on its channel for
// whichever shard serves it first, for the timeout, or until its peer goes away.
#include "session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <sys/socket.h>

namespace corio_redis::detail {
namespace {

using namespace boost::asio::experimental::awaitable_operators;

bool parse_side(std::string_view s, bool& left) {
    if (iequals(s, "left")) return left = true;
    if (iequals(s, "right")) return !(left = false);
    return false;
}

// Redis's timeout argument: seconds, fractional allowed, not negative. On error the reply
// is written and false returned.
bool parse_timeout(std::string_view text, resp::reply& out, std::chrono::milliseconds& t) {
    long double seconds = 0;
    if (!parse_long_double(text, seconds) || std::isinf(seconds)) {
        out.error("ERR timeout is not a float or out of range");
        return false;
    }
    if (seconds < 0) {
        out.error("ERR timeout is negative");
        return false;
    }
    if (seconds * 1000 > static_cast<long double>(std::numeric_limits<long long>::max() / 2)) {
        out.error("ERR timeout is out of range");
        return false;
    }
    t = std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
    return true;
}

// The peer closed (or broke) its connection: a blocked client is then dropped, as Redis
// notices at once.
bool peer_gone(corio::connection& conn) {
    char byte;
    ssize_t n = ::recv(conn.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return false;
    if (n == 0) return true;
    return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

} // namespace

corio::task<> session::run_blocking(const parsed_command& c) {
    auto args = args_of(c);
    std::string_view name = c.spec->name;
    auto state = std::make_shared<blocked_client>(conn_.get_executor());
    state->db = client_.db;
    state->protocol = client_.protocol;
    std::vector<std::string_view> keys;
    std::chrono::milliseconds timeout{0};
    if (name == "blpop" || name == "brpop") {
        if (!parse_timeout(args.back(), out_, timeout)) co_return;
        keys.assign(args.begin() + 1, args.end() - 1);
        state->left = name == "blpop";
    } else if (name == "brpoplpush" || name == "blmove") {
        std::size_t timeout_at = name == "blmove" ? 5 : 3;
        bool from_left = false, to_left = true;
        if (name == "blmove" &&
            (!parse_side(args[3], from_left) || !parse_side(args[4], to_left))) {
            reply_syntax_error(out_);
            co_return;
        }
        if (!parse_timeout(args[timeout_at], out_, timeout)) co_return;
        keys.push_back(args[1]);
        state->is_move = true;
        state->left = from_left;
        state->to_left = to_left;
        state->destination = std::string(args[2]);
    } else { // blmpop timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
        if (!parse_timeout(args[1], out_, timeout)) co_return;
        long long numkeys = 0;
        if (!parse_integer(args[2], numkeys) || numkeys <= 0) {
            out_.error("ERR numkeys should be greater than 0");
            co_return;
        }
        std::size_t where = 3 + static_cast<std::size_t>(numkeys);
        if (where >= args.size() || !parse_side(args[where], state->left)) {
            reply_syntax_error(out_);
            co_return;
        }
        if (where + 1 < args.size()) {
            long long count = 0;
            if (where + 3 != args.size() || !iequals(args[where + 1], "count")) {
                reply_syntax_error(out_);
                co_return;
            }
            if (!parse_integer(args[where + 2], count) || count <= 0) {
                out_.error("ERR count should be greater than 0");
                co_return;
            }
            state->count = static_cast<std::size_t>(count);
        }
        keys.assign(args.begin() + 3, args.begin() + static_cast<std::ptrdiff_t>(where));
        state->is_mpop = true;
    }

    // A move whose destination is on another shard: its type, looked at first (a read).
    bool destination_wrong = false;
    if (state->is_move && srv_.shard_of(state->destination) != srv_.shard_of(keys[0])) {
        shard& dsh = srv_.shard_at(srv_.shard_of(state->destination));
        auto look = [&] {
            if (!dsh.keys_free(std::array<std::string_view, 1>{state->destination}, tx_))
                return false;
            db::entry* dst = dsh.dbs[state->db].find(state->destination, unix_ms());
            destination_wrong = dst && dst->val.type() != db::value_type::list;
            return true;
        };
        if (dsh.index != here_ || !look()) co_await run_on(dsh, look);
    }

    // Visit the keys in order: serve at once from the first non-empty list, else register.
    const bool may_block = tx_ == 0; // inside EXEC a blocking pop does not block
    const std::size_t shards = srv_.shard_count();
    std::vector<std::pair<std::size_t, std::string>> registered;
    std::string reply;
    bool served = false, wrong_type = false;
    for (auto key : keys) {
        shard& sh = srv_.shard_at(srv_.shard_of(key));
        auto visit = [&] {
            if (!sh.keys_free(std::array<std::string_view, 2>{key, state->destination}, tx_))
                return false;
            if (state->claimed.load()) return true;
            std::int64_t now = unix_ms();
            auto& d = sh.dbs[state->db];
            db::entry* e = d.find(key, now);
            if (e && e->val.type() != db::value_type::list) {
                wrong_type = true;
                return true;
            }
            if (e && !e->val.list().empty()) {
                // A move's destination must hold a list (checked only when there is
                // something to move, as Redis does).
                if (state->is_move) {
                    bool wrong = destination_wrong;
                    if (srv_.shard_of(state->destination) == sh.index) {
                        db::entry* dst = d.find(state->destination, now);
                        wrong = dst && dst->val.type() != db::value_type::list;
                    }
                    if (wrong) {
                        wrong_type = true;
                        return true;
                    }
                }
                if (state->claimed.exchange(true)) return true;
                bool local_push = state->is_move && srv_.shard_of(state->destination) == sh.index;
                state->push_pending = state->is_move && !local_push;
                std::string element;
                const std::size_t before = e->val.list().size();
                reply = pop_for(*state, key, e->val.list(), &element);
                const std::size_t taken = before - e->val.list().size();
                popped(d, *state, key, e->val.list());
                note_pop(sh, state->db, *state, key, taken);
                if (local_push)
                    push_moved(sh, state->db, state->destination, state->to_left,
                               std::move(element), now, shards);
                served = true;
                return true;
            }
            if (may_block) {
                sh.blocked[state->db][std::string(key)].push_back(state);
                ++sh.blocked_count;
                registered.emplace_back(sh.index, std::string(key));
            }
            return true;
        };
        if (sh.index != here_ || !visit()) co_await run_on(sh, visit);
        if (wrong_type || served || state->claimed.load()) break;
    }

    // Drops this client's registrations (the serving shard already dropped its own).
    auto unregister = [&] {
        for (auto& [index, key] : registered) {
            shard& sh = srv_.shard_at(index);
            auto drop = [&sh, db = state->db, key = std::move(key), state] {
                auto it = sh.blocked[db].find(key);
                if (it == sh.blocked[db].end()) return;
                auto& queue = it->second;
                auto gone = std::remove(queue.begin(), queue.end(), state);
                sh.blocked_count -= static_cast<std::size_t>(queue.end() - gone);
                queue.erase(gone, queue.end());
                if (queue.empty()) sh.blocked[db].erase(it);
            };
            if (index == here_)
                drop();
            else
                sh.loop.post(std::move(drop));
        }
        registered.clear();
    };
    auto reply_timeout = [&] { out_.null_array(); }; // BLMOVE's too, as Redis does

    if (wrong_type) {
        state->claimed = true;
        unregister();
        reply_wrong_type(out_);
        co_return;
    }
    if (!served && !state->claimed.load() && !may_block) {
        reply_timeout();
        co_return;
    }
    if (!served) {
        // Wait: for a shard to serve us, the timeout, or the peer to leave. The timer ticks
        // at least every 250 ms to notice a closed peer or a stopping server. Meanwhile it
        // counts in INFO, CLIENT LIST shows it blocked, and CLIENT UNBLOCK or KILL (on this
        // loop) may claim it and send its reply themselves. (stop_waiting is called on each
        // way out, not run by a guard: a frame destroyed at exit may outlive the server.)
        const bool timed = timeout.count() > 0;
        blocked_ = state;
        srv_.blocked_clients.fetch_add(1, std::memory_order_relaxed);
        if (timed) srv_.clients_in_timeout_table.fetch_add(1, std::memory_order_relaxed);
        auto stop_waiting = [&] {
            blocked_.reset();
            srv_.blocked_clients.fetch_sub(1, std::memory_order_relaxed);
            if (timed) srv_.clients_in_timeout_table.fetch_sub(1, std::memory_order_relaxed);
        };
        if (killed_ && !state->claimed.exchange(true)) { // killed while visiting its keys
            stop_waiting();
            unregister();
            co_return;
        }
        const auto wait_began = std::chrono::steady_clock::now(); // the slowlog leaves it out
        struct wait_clock { // sets waited_ on every way out of the wait
            session& s;
            std::chrono::steady_clock::time_point began;
            ~wait_clock() { s.waited_ = std::chrono::steady_clock::now() - began; }
        } clock{*this, wait_began};
        boost::asio::steady_timer timer(conn_.get_executor());
        auto deadline = timeout.count() > 0 ? std::chrono::steady_clock::now() + timeout
                                            : std::chrono::steady_clock::time_point::max();
        bool received = false;
        for (;;) {
            auto now = std::chrono::steady_clock::now();
            auto slice = std::chrono::milliseconds(250);
            if (deadline - now < slice)
                slice = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
            timer.expires_after(slice);
            auto r = co_await (state->done.async_receive(asio::as_tuple(asio::use_awaitable)) ||
                               timer.async_wait(asio::as_tuple(asio::use_awaitable)));
            if (r.index() == 0) {
                reply = std::get<1>(std::get<0>(r));
                received = true;
                break;
            }
            bool timed_out = std::chrono::steady_clock::now() >= deadline;
            bool gone = killed_ || peer_gone(conn_) || !srv_.engine().running();
            if (!timed_out && !gone) continue;
            if (!state->claimed.exchange(true)) {
                stop_waiting();
                unregister();
                if (gone) {
                    client_.close_after_reply = true;
                    co_return;
                }
                reply_timeout();
                co_return;
            }
            break; // served as the time ran out: the reply is on its way
        }
        if (!received) {
            auto [ec, bytes] =
                co_await state->done.async_receive(asio::as_tuple(asio::use_awaitable));
            reply = std::move(bytes);
        }
        stop_waiting();
    }
    unregister();
    if (state->push_pending) {
        // BLMOVE to a list on another shard: the element goes there now, then it is the
        // reply.
        std::string element = std::move(reply);
        shard& sh = srv_.shard_at(srv_.shard_of(state->destination));
        auto push = [&] {
            if (!sh.keys_free(std::array<std::string_view, 1>{state->destination}, tx_))
                return false;
            push_moved(sh, state->db, state->destination, state->to_left, element, unix_ms(),
                       shards);
            return true;
        };
        if (sh.index != here_ || !push()) co_await run_on(sh, push);
        out_.bulk(element);
        co_return;
    }
    out_.bytes().append(reply);
}

} // namespace corio_redis::detail
