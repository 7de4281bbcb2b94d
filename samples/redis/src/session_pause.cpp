// CLIENT PAUSE, UNPAUSE, REPLY and NO-EVICT, and the wait of a command that a pause holds.
// The pause is server-wide state (client_pause.hpp) that a session looks at before each
// command; a held session waits on a timer of its own, which UNPAUSE cancels by visiting
// every loop.
#include "session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <limits>

namespace corio_redis::detail {

// CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked before the timeout, as Redis does.
void session::client_pause(const parsed_command& c) {
    auto args = args_of(c);
    if (args.size() > 4)
        return out_.error("ERR unknown subcommand or wrong number of arguments for '" +
                          std::string(args[1]) + "'. Try CLIENT HELP.");
    bool all = true;
    if (args.size() == 4) {
        if (iequals(args[3], "write"))
            all = false;
        else if (!iequals(args[3], "all"))
            return out_.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
    }
    long long ms = 0;
    if (!parse_integer(args[2], ms))
        return out_.error("ERR timeout is not an integer or out of range");
    if (ms < 0) return out_.error("ERR timeout is negative");
    // Redis adds the timeout to the wall clock's milliseconds: an end past that range
    // wraps and pauses nothing.
    if (ms <= std::numeric_limits<long long>::max() - unix_ms())
        srv_.pause().pause(std::chrono::milliseconds(ms), all);
    out_.ok();
}

corio::task<> session::client_unpause() {
    srv_.pause().unpause();
    // The held sessions wake, look at the pause again and go on.
    auto visit = [](shard& sh) {
        for (session* s : sh.sessions)
            if (s->pause_timer_) s->pause_timer_->cancel();
    };
    co_await visit_shards(srv_, here_, visit);
    out_.ok();
}

// CLIENT REPLY ON|OFF|SKIP. OFF and SKIP reply nothing; the session drops the replies
// (run_commands). SKIP while OFF changes nothing, as in Redis.
void session::client_reply(const parsed_command& c) {
    std::string_view mode = c.argv[2];
    if (iequals(mode, "on")) {
        reply_off_ = reply_skip_ = reply_skip_next_ = false;
        out_.ok();
    } else if (iequals(mode, "off")) {
        reply_off_ = true;
    } else if (iequals(mode, "skip")) {
        if (!reply_off_) reply_skip_next_ = true;
    } else {
        reply_syntax_error(out_);
    }
}

// CLIENT NO-EVICT ON|OFF: corio-redis evicts no clients, so it is only shown (flag e).
void session::client_no_evict(const parsed_command& c) {
    std::string_view mode = c.argv[2];
    if (iequals(mode, "on"))
        no_evict_ = true;
    else if (iequals(mode, "off"))
        no_evict_ = false;
    else
        return reply_syntax_error(out_);
    out_.ok();
}

bool session::counts_as_write(const parsed_command& c) const {
    // PUBLISH waits too: Redis holds what it would send to replicas.
    auto writes = [](const command_spec* s) {
        return s && (s->flags & cmd_write || s->name == "publish");
    };
    if (writes(c.spec)) return true;
    if (c.spec && c.spec->name == "exec" && multi_.active)
        for (const auto& q : multi_.commands)
            if (!q.empty() && writes(srv_.lookup(q[0]))) return true;
    return false;
}

bool session::held_by_pause(const parsed_command& c) {
    if (!c.spec || !arity_ok(*c.spec, c.arg_count)) return false;
    if (!client_.authenticated && !(c.spec->flags & cmd_noauth)) return false;
    if (client_.protocol == 2 && subscribed() && !allowed_when_subscribed(c.spec->name))
        return false;
    auto p = srv_.pause().current();
    return p && (p->all || counts_as_write(c));
}

corio::task<> session::wait_out_pause(const parsed_command& c) {
    // The replies before it go out now, as Redis sends them while the client waits.
    if (!out_bytes_.empty()) {
        bool written = conn_.write(out_bytes_);
        out_bytes_.clear();
        if (written) conn_.flush_soon();
    }
    boost::asio::steady_timer timer(conn_.get_executor());
    pause_timer_ = &timer; // UNPAUSE and KILL cancel it (on this loop)
    srv_.blocked_clients.fetch_add(1, std::memory_order_relaxed); // as Redis counts them
    while (!killed_ && srv_.engine().running()) {
        auto p = srv_.pause().current();
        if (!p || !(p->all || counts_as_write(c))) break;
        // At least every 250 ms, to notice a stopping server.
        using namespace std::chrono_literals;
        timer.expires_at(std::min(p->until, std::chrono::steady_clock::now() + 250ms));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    srv_.blocked_clients.fetch_sub(1, std::memory_order_relaxed);
    pause_timer_ = nullptr;
}

} // namespace corio_redis::detail
