// Accepting: a batched accept4 per wakeup, the hand-off to the picked loop, the handler's
// coroutine (after a TLS handshake on tls://), and what happens when it returns.
#include "engine_access.hpp"
#include "engine_state.hpp"
#include "exception_text.hpp"
#include "socket_setup.hpp"

#include <boost/asio/co_spawn.hpp>

#include <cerrno>
#include <netinet/in.h>

namespace corio {
namespace {

bool is_fd_exhaustion(int err) {
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

} // namespace

void engine::state::start_accepting(listener& l) {
    if (l.accepting) return;
    l.accepting = true;
    for (auto& slot : l.acceptors) {
        auto ex = slot.owner ? slot.owner->get_executor() : control.get_executor();
        asio::co_spawn(
            ex, accept_loop(l, *slot.acceptor, slot.owner), [this, &l](std::exception_ptr e) {
                if (!e) return;
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    log(log_level::error, "acceptor for {} stopped: {}", l.addr.url, ex.what());
                }
            });
    }
}

// Waits for readability, then accept4s until EAGAIN: one wakeup takes a whole burst.
asio::awaitable<void> engine::state::accept_loop(listener& l, acceptor_type& acc, loop* owner) {
    asio::steady_timer backoff_timer(acc.get_executor());
    auto backoff = std::chrono::milliseconds(5);
    bool exhausted_logged = false;
    for (;;) {
        auto [ec] =
            co_await acc.async_wait(acceptor_type::wait_read, asio::as_tuple(asio::use_awaitable));
        if (ec || !acc.is_open() || current.load() != phase::running) co_return;
        for (;;) {
            sockaddr_storage peer{};
            socklen_t peer_len = sizeof peer;
            int fd = ::accept4(acc.native_handle(), reinterpret_cast<sockaddr*>(&peer), &peer_len,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                if (exhausted_logged) {
                    log(log_level::info, "accept on {} recovered", l.addr.url);
                    exhausted_logged = false;
                }
                backoff = std::chrono::milliseconds(5);
                hand_off(l, fd, peer, peer_len, owner);
                continue;
            }
            int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK) break;
            if (err == EINTR || err == ECONNABORTED || err == EPROTO || err == EPERM) continue;
            if (!acc.is_open() || err == EBADF || err == EINVAL) co_return;
            // Out of descriptors (or memory): the pending connection stays queued and
            // the socket stays readable, so back off instead of spinning; log once.
            if (!exhausted_logged) {
                log(log_level::warn,
                    "accept on {} failed: {}; backing off and retrying (logged once until "
                    "accept recovers)",
                    l.addr.url, std::system_category().message(err));
                exhausted_logged = true;
            }
            backoff_timer.expires_after(backoff);
            co_await backoff_timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (is_fd_exhaustion(err))
                backoff = std::min(backoff * 2, std::chrono::milliseconds(500));
            if (!acc.is_open() || current.load() != phase::running) co_return;
        }
    }
}

void engine::state::hand_off(listener& l, int fd, const sockaddr_storage& peer, socklen_t peer_len,
                             loop* owner) {
    loop* target = owner;
    if (!target) {
        generic_protocol::endpoint remote(&peer, peer_len, IPPROTO_TCP);
        target = loop_list[balancer->pick(loop_list, &remote)];
    }
    engine_access::count(*target).fetch_add(1, std::memory_order_relaxed);
    int family = peer.ss_family;
    if (target == owner) {
        start_connection(*target, l, fd, family);
    } else {
        target->post([this, target, &l, fd, family] { start_connection(*target, l, fd, family); });
    }
}

// On the target loop's thread: wrap the descriptor, make the connection, run the handler.
void engine::state::start_connection(loop& lp, listener& l, int fd, int family) {
    connection::socket_type sock(lp.context());
    boost::system::error_code ec;
    sock.assign(generic_protocol(family, family == AF_UNIX ? 0 : IPPROTO_TCP), fd, ec);
    if (ec) {
        ::close(fd);
        engine_access::count(lp).fetch_sub(1, std::memory_order_relaxed);
        log(log_level::warn, "cannot register accepted socket: {}", ec.message());
        return;
    }
    detail::apply_stream_options(fd, family, opts);
    auto conn = adopt(lp, std::move(sock));
    auto done = [this, conn, &lp](std::exception_ptr e) {
        if (e) log_handler_exception(*conn, e);
        finish(lp, conn);
    };
    if (l.tls) {
        engine_access::set_tls(
            *conn, std::make_unique<detail::tls_session>(l.tls, engine_access::socket(*conn)));
        asio::co_spawn(lp.get_executor(), serve_tls(l, conn), std::move(done));
        return;
    }
    // The handler is spawned directly (no wrapper coroutine): one frame less per
    // connection, which matters for idle memory.
    asio::co_spawn(lp.get_executor(), (*l.serve)(*conn), std::move(done));
}

// A connection on its loop: made, timed, listed (and told to stop if stopping).
std::shared_ptr<connection> engine::state::adopt(loop& lp, connection::socket_type sock) {
    auto conn = std::make_shared<connection>(lp, std::move(sock), limits);
    if (limits.idle_timeout.count() > 0) conn->set_idle_timeout(limits.idle_timeout);
    engine_access::attach(lp, *conn);
    if (current.load() != phase::running) engine_access::begin_shutdown(*conn);
    return conn;
}

asio::awaitable<void> engine::state::serve_tls(listener& l, std::shared_ptr<connection> conn) {
    auto ec = co_await engine_access::tls_handshake(*conn, true, l.tls->options.handshake_timeout);
    if (ec) {
        // A peer gone before saying anything (a port probe) is not worth a warning.
        log(ec == errc::eof ? log_level::debug : log_level::warn,
            "tls handshake with {} on {} failed: {}", conn->remote_address(), l.addr.url,
            detail::describe_tls_error(ec, engine_access::tls(*conn)));
        co_return;
    }
    co_await (*l.serve)(*conn);
}

void engine::state::log_handler_exception(connection& conn, std::exception_ptr e) {
    log(log_level::warn, "connection {} ({}): handler threw: {}", conn.id(), conn.remote_address(),
        detail::exception_text(e));
}

// After the handler: flush what is left (bounded by close_timeout), close, forget.
void engine::state::finish(loop& lp, const std::shared_ptr<connection>& conn) {
    auto forget = [this, conn, &lp] {
        engine_access::detach(lp, *conn);
        engine_access::count(lp).fetch_sub(1, std::memory_order_relaxed);
    };
    // TLS always closes through close(): the writer may still hold a chunk in flight,
    // and close_notify goes out there.
    if ((conn->outbound_buffered() == 0 && !conn->is_tls()) || !conn->is_open()) {
        engine_access::close_now(*conn);
        forget();
        return;
    }
    asio::co_spawn(lp.get_executor(), conn->close(), [forget](std::exception_ptr) { forget(); });
}

// ---- dialing: a client connection joins a loop as an accepted one does ----------------

loop& engine_access::reserve_loop(engine& e, bool prefer_current) {
    auto& s = *e.state_;
    loop* target = nullptr;
    if (prefer_current)
        for (auto* lp : s.loop_list)
            if (lp->running_in_this_thread()) target = lp;
    if (!target) target = s.loop_list[s.balancer->pick(s.loop_list, nullptr)];
    target->count_.fetch_add(1, std::memory_order_relaxed);
    return *target;
}

std::shared_ptr<connection> engine_access::adopt(engine& e, loop& l, connection::socket_type sock) {
    return e.state_->adopt(l, std::move(sock));
}

std::shared_ptr<connection> engine_access::dial_handle(engine& e, loop& l,
                                                       std::shared_ptr<connection> conn) {
    // The handle shares the object but has its own count: its deleter runs when the caller
    // lets go, even while the connection's own operations still hold the inner pointer.
    connection* raw = conn.get();
    auto* s = e.state_.get();
    return std::shared_ptr<connection>(raw, [s, &l, inner = std::move(conn)](connection*) mutable {
        auto done = [s, &l, inner = std::move(inner)] { s->finish(l, inner); };
        if (l.running_in_this_thread())
            done();
        else
            l.post(std::move(done));
    });
}

} // namespace corio
