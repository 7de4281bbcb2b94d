// Engine: loops, listeners, accepting (batched accept4 per wakeup, then a hand-off to the
// picked loop), idle sweeps and graceful stop, coordinated from one control thread.
#include <corio/address.hpp>
#include <corio/engine.hpp>

#include "datagram_listener.hpp"
#include "endpoint_format.hpp"
#include "engine_access.hpp"
#include "exception_text.hpp"
#include "socket_setup.hpp"
#include "ticker_registry.hpp"
#include "tls_context.hpp"
#include "unix_socket_path.hpp"
#include "worker_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <mutex>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace corio {
namespace asio = boost::asio;
using generic_protocol = asio::generic::stream_protocol;
using acceptor_type = asio::basic_socket_acceptor<generic_protocol>;

namespace {

enum class phase { idle, running, stopping, stopped };

struct acceptor_slot {
    std::unique_ptr<acceptor_type> acceptor;
    loop* owner = nullptr; // the loop it runs on (reuse_port), or null: the control thread
};

struct listener {
    address addr;
    std::shared_ptr<const handler> serve;
    std::vector<acceptor_slot> acceptors;
    std::string local;
    std::uint16_t port = 0;
    bool accepting = false;
    std::string socket_file;                 // a unix socket file to remove when the listener goes
    std::shared_ptr<detail::tls_config> tls; // tls:// listeners

    listener() = default;
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;
    ~listener() {
        if (!socket_file.empty()) ::unlink(socket_file.c_str());
    }
};

bool is_fd_exhaustion(int err) {
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

} // namespace

struct engine::state {
    engine& self;
    options opts;
    connection_limits limits;
    std::shared_ptr<corio::balancer> balancer;
    asio::io_context control{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> control_work;
    std::thread control_thread;
    std::vector<std::unique_ptr<loop>> loops;
    std::vector<loop*> loop_list;
    std::vector<std::unique_ptr<asio::steady_timer>> sweepers; // one per loop, on that loop
    std::optional<asio::signal_set> signals;
    std::mutex mutex; // guards listeners and phase changes
    std::vector<std::unique_ptr<listener>> listeners;
    std::atomic<std::size_t> datagram_handlers{0}; // running, across all datagram listeners
    std::vector<std::unique_ptr<detail::datagram_listener>> datagram_listeners; // under mutex
    std::atomic<phase> current{phase::idle};
    std::shared_ptr<detail::ticker_registry> tickers;
    std::shared_ptr<detail::worker_pool> workers;

    state(engine& e, options o) : self(e), opts(std::move(o)) {}

    template <class... Args>
    void log(log_level level, fmt::format_string<Args...> f, Args&&... args) const {
        if (opts.logger) opts.logger(level, fmt::format(f, std::forward<Args>(args)...));
    }

    // ---- listening -------------------------------------------------------------------

    generic_protocol::endpoint resolve(const address& a) {
        namespace ip = asio::ip;
        bool want_v4 = a.scheme == scheme::tcp4, want_v6 = a.scheme == scheme::tcp6;
        if (a.host.empty()) {
            return ip::tcp::endpoint(want_v6 ? ip::tcp::v6() : ip::tcp::v4(), a.port);
        }
        boost::system::error_code ec;
        auto literal = ip::make_address(a.host, ec);
        if (!ec) {
            if ((want_v4 && !literal.is_v4()) || (want_v6 && !literal.is_v6()))
                throw std::invalid_argument(
                    fmt::format("corio: bad address '{}': host {} is not an {} address", a.url,
                                a.host, want_v4 ? "IPv4" : "IPv6"));
            return ip::tcp::endpoint(literal, a.port);
        }
        asio::io_context resolver_context;
        ip::tcp::resolver resolver(resolver_context);
        auto results = resolver.resolve(want_v4   ? ip::tcp::v4()
                                        : want_v6 ? ip::tcp::v6()
                                                  : ip::tcp::v4(),
                                        a.host, std::to_string(a.port), ec);
        if (ec && !want_v4 && !want_v6)
            results = resolver.resolve(ip::tcp::v6(), a.host, std::to_string(a.port), ec);
        if (ec || results.empty())
            throw std::invalid_argument(fmt::format(
                "corio: bad address '{}': cannot resolve '{}': {}", a.url, a.host, ec.message()));
        return results.begin()->endpoint();
    }

    std::unique_ptr<acceptor_type> open_acceptor(asio::io_context& ctx, const address& a,
                                                 const generic_protocol::endpoint& ep) {
        auto acc = std::make_unique<acceptor_type>(ctx);
        boost::system::error_code ec;
        auto fail = [&](std::string_view step) {
            throw std::system_error(ec.value(), std::system_category(),
                                    fmt::format("corio: cannot listen on '{}' ({})", a.url, step));
        };
        acc->open(ep.protocol(), ec);
        if (ec) fail("socket");
        int fd = acc->native_handle();
        int one = 1;
        bool inet = ep.protocol().family() != AF_UNIX;
        if (inet && opts.reuse_addr) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (inet && opts.reuse_port &&
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
            ec.assign(errno, boost::system::system_category());
            fail("SO_REUSEPORT");
        }
        if (ep.protocol().family() == AF_INET6) {
            int v6only = a.scheme == scheme::tcp6 ? 1 : 0;
            ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
        }
        acc->bind(ep, ec);
        if (ec) fail("bind");
        acc->listen(opts.listen_backlog, ec);
        if (ec) fail("listen");
        acc->non_blocking(true, ec);
        return acc;
    }

    // ---- accepting -------------------------------------------------------------------

    void start_accepting(listener& l) {
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
    asio::awaitable<void> accept_loop(listener& l, acceptor_type& acc, loop* owner) {
        asio::steady_timer backoff_timer(acc.get_executor());
        auto backoff = std::chrono::milliseconds(5);
        bool exhausted_logged = false;
        for (;;) {
            auto [ec] = co_await acc.async_wait(acceptor_type::wait_read,
                                                asio::as_tuple(asio::use_awaitable));
            if (ec || !acc.is_open() || current.load() != phase::running) co_return;
            for (;;) {
                sockaddr_storage peer{};
                socklen_t peer_len = sizeof peer;
                int fd = ::accept4(acc.native_handle(), reinterpret_cast<sockaddr*>(&peer),
                                   &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
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

    void hand_off(listener& l, int fd, const sockaddr_storage& peer, socklen_t peer_len,
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
            target->post(
                [this, target, &l, fd, family] { start_connection(*target, l, fd, family); });
        }
    }

    // On the target loop's thread: wrap the descriptor, make the connection, run the handler.
    void start_connection(loop& lp, listener& l, int fd, int family) {
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
    std::shared_ptr<connection> adopt(loop& lp, connection::socket_type sock) {
        auto conn = std::make_shared<connection>(lp, std::move(sock), limits);
        if (limits.idle_timeout.count() > 0) conn->set_idle_timeout(limits.idle_timeout);
        engine_access::attach(lp, *conn);
        if (current.load() != phase::running) engine_access::begin_shutdown(*conn);
        return conn;
    }

    asio::awaitable<void> serve_tls(listener& l, std::shared_ptr<connection> conn) {
        auto ec =
            co_await engine_access::tls_handshake(*conn, true, l.tls->options.handshake_timeout);
        if (ec) {
            // A peer gone before saying anything (a port probe) is not worth a warning.
            log(ec == errc::eof ? log_level::debug : log_level::warn,
                "tls handshake with {} on {} failed: {}", conn->remote_address(), l.addr.url,
                detail::describe_tls_error(ec, engine_access::tls(*conn)));
            co_return;
        }
        co_await (*l.serve)(*conn);
    }

    void log_handler_exception(connection& conn, std::exception_ptr e) {
        log(log_level::warn, "connection {} ({}): handler threw: {}", conn.id(),
            conn.remote_address(), detail::exception_text(e));
    }

    // After the handler: flush what is left (bounded by close_timeout), close, forget.
    void finish(loop& lp, const std::shared_ptr<connection>& conn) {
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
        asio::co_spawn(lp.get_executor(), conn->close(),
                       [forget](std::exception_ptr) { forget(); });
    }

    // ---- sweeping and stopping -------------------------------------------------------

    void start_sweeper(loop& lp) {
        if (opts.idle_release.count() <= 0) return;
        auto timer = std::make_unique<asio::steady_timer>(lp.context());
        asio::steady_timer* t = timer.get();
        sweepers.push_back(std::move(timer));
        lp.post([this, t, &lp] { arm_sweeper(*t, lp); });
    }

    void arm_sweeper(asio::steady_timer& t, loop& lp) {
        t.expires_after(opts.idle_release);
        t.async_wait([this, &t, &lp](boost::system::error_code ec) {
            if (ec || current.load() != phase::running) return;
            engine_access::sweep(lp);
            arm_sweeper(t, lp);
        });
    }

    std::size_t total() const noexcept {
        std::size_t n = 0;
        for (auto* lp : loop_list) n += lp->connection_count();
        return n;
    }

    void close_acceptors() {
        std::lock_guard lock(mutex);
        for (auto& l : listeners) {
            for (auto& slot : l->acceptors) {
                acceptor_type* acc = slot.acceptor.get();
                auto close = [acc] {
                    boost::system::error_code ignored;
                    acc->close(ignored);
                };
                if (slot.owner)
                    slot.owner->post(close);
                else
                    close();
            }
        }
    }

    // On the control thread: polls every `step` until busy() is false or `limit` passes.
    template <class Busy>
    asio::awaitable<void> wait_while(Busy busy, std::chrono::milliseconds limit,
                                     std::chrono::milliseconds step) {
        asio::steady_timer poll(control);
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (busy() && std::chrono::steady_clock::now() < deadline) {
            poll.expires_after(step);
            co_await poll.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    asio::awaitable<void> wait_for_connections(std::chrono::milliseconds limit) {
        return wait_while([this] { return total() > 0 || datagram_handlers.load() > 0; }, limit,
                          std::chrono::milliseconds(5));
    }

    asio::awaitable<void> graceful_stop() {
        if (signals) {
            boost::system::error_code ignored;
            signals->cancel(ignored);
        }
        close_acceptors();
        {
            std::lock_guard lock(mutex);
            for (auto& d : datagram_listeners) d->begin_shutdown();
        }
        for (auto* lp : loop_list) {
            lp->post([lp] {
                engine_access::for_each(*lp,
                                        [](connection& c) { engine_access::begin_shutdown(c); });
            });
        }
        co_await wait_for_connections(opts.shutdown_timeout);
        if (std::size_t left = datagram_handlers.load()) {
            log(log_level::warn,
                "{} datagram handler(s) still running after {} ms; closing their "
                "sockets",
                left, opts.shutdown_timeout.count());
            {
                std::lock_guard lock(mutex);
                for (auto& d : datagram_listeners) d->force_close();
            }
            if (total() == 0) co_await wait_for_connections(std::chrono::milliseconds(1000));
        }
        if (std::size_t left = total()) {
            log(log_level::warn, "{} connection(s) still open after {} ms; closing them", left,
                opts.shutdown_timeout.count());
            for (auto* lp : loop_list) {
                lp->post([lp] {
                    engine_access::for_each(*lp,
                                            [](connection& c) { engine_access::force_close(c); });
                });
            }
            co_await wait_for_connections(std::chrono::milliseconds(1000));
        }
        co_await wait_for_tickers();
        if (opts.on_shutdown) {
            try {
                opts.on_shutdown(self);
            } catch (const std::exception& e) {
                log(log_level::error, "on_shutdown hook threw: {}", e.what());
            }
        }
        for (std::size_t i = 0; i < sweepers.size(); ++i) {
            asio::steady_timer* t = sweepers[i].get();
            asio::post(t->get_executor(), [t] { t->cancel(); });
        }
        for (auto* lp : loop_list) engine_access::stop(*lp);
        control_work.reset();
        control.stop();
    }

    // Ticks already running when stop began (a coroutine tick may be waiting on something).
    asio::awaitable<void> wait_for_tickers() {
        co_await wait_while([this] { return tickers->running.load() > 0; }, opts.shutdown_timeout,
                            std::chrono::milliseconds(1));
        if (std::size_t left = tickers->running.load())
            log(log_level::warn, "{} ticker(s) still in a tick after {} ms; stopping anyway", left,
                opts.shutdown_timeout.count());
    }
};

// ---- dialing --------------------------------------------------------------------------

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

// ---- engine -----------------------------------------------------------------------------

engine::engine(options opts) : state_(std::make_unique<state>(*this, std::move(opts))) {
    options& o = state_->opts;
    auto bad = [](std::string_view field, std::string_view why) {
        throw std::invalid_argument(fmt::format("corio: bad option {}: {}", field, why));
    };
    if (o.loops == 0) o.loops = std::max(1u, std::thread::hardware_concurrency());
    if (o.loops > 1024) bad("loops", "more than 1024 loops");
    if (o.block_size < 256 || (o.block_size & (o.block_size - 1)) != 0)
        bad("block_size", "must be a power of two >= 256");
    if (o.read_block_size < 256 || (o.read_block_size & (o.read_block_size - 1)) != 0)
        bad("read_block_size", "must be a power of two >= 256");
    if (o.inbound_cap == 0) bad("inbound_cap", "must be > 0");
    if (o.outbound_cap == 0) bad("outbound_cap", "must be > 0");
    if (o.outbound_high_water > o.outbound_cap)
        bad("outbound_high_water", "must not exceed outbound_cap");
    if (o.listen_backlog <= 0) bad("listen_backlog", "must be > 0");
    if (o.max_datagram_size == 0 || o.max_datagram_size > 65535)
        bad("max_datagram_size", "must be between 1 and 65535");
    if (o.socket_recv_buffer < 0 || o.socket_send_buffer < 0)
        bad("socket_recv_buffer/socket_send_buffer", "must be >= 0");
    if (o.read_timeout.count() < 0 || o.idle_timeout.count() < 0 || o.close_timeout.count() < 0 ||
        o.shutdown_timeout.count() < 0)
        bad("timeouts", "must be >= 0");
    if (!o.logger) o.logger = null_logger();
    if (o.worker_threads == 0 || o.worker_threads > 1024)
        bad("worker_threads", "must be between 1 and 1024");
    if (o.worker_queue_limit == 0) bad("worker_queue_limit", "must be > 0");
    state_->balancer = o.balancer ? o.balancer : least_connections();
    state_->limits.inbound_cap = o.inbound_cap;
    state_->limits.outbound_cap = o.outbound_cap;
    state_->limits.outbound_high_water = o.outbound_high_water;
    state_->limits.read_timeout = o.read_timeout;
    state_->limits.idle_timeout = o.idle_timeout;
    state_->limits.close_timeout = o.close_timeout;
    for (std::size_t i = 0; i < o.loops; ++i) {
        state_->loops.push_back(std::make_unique<loop>(i, o.block_size, o.read_block_size));
        state_->loop_list.push_back(state_->loops.back().get());
    }
    state_->tickers = std::make_shared<detail::ticker_registry>(o.logger);
    state_->workers = std::make_shared<detail::worker_pool>(o.worker_threads, o.worker_queue_limit);
    for (auto* lp : state_->loop_list) detail::link_pool(lp->context(), state_->workers);
}

engine::~engine() {
    if (state_->current.load() == phase::running || state_->current.load() == phase::stopping) {
        stop();
        wait();
    }
    // Acceptors and sweepers belong to loop and control contexts: drop them first.
    state_->listeners.clear();
    state_->sweepers.clear();
    state_->signals.reset();
    for (auto* lp : state_->loop_list) {
        engine_access::stop(*lp);
        engine_access::join(*lp);
    }
    if (state_->control_thread.joinable()) state_->control_thread.join();
    // Loop threads are gone: workers finish what runs, queued calls are dropped (their
    // coroutines are destroyed with the loops), and nothing more is posted to the loops.
    state_->workers->shutdown();
    state_->tickers->loops_gone();
}

listener_info engine::serve(std::string_view url, handler h) {
    address a = parse_address(url);
    if (a.scheme == scheme::tls)
        throw std::invalid_argument(fmt::format(
            "corio: serve('{}'): tls:// needs certificates: use serve(url, handler, tls_options)",
            url));
    return serve_stream(a, std::move(h), nullptr);
}

listener_info engine::serve(std::string_view url, handler h, const tls_options& tls) {
    address a = parse_address(url);
    if (a.scheme != scheme::tls)
        throw std::invalid_argument(
            fmt::format("corio: serve('{}'): tls_options given for a {}:// address (use tls://)",
                        url, to_string(a.scheme)));
    return serve_stream(a, std::move(h), detail::make_server_tls(tls, url));
}

listener_info engine::serve_stream(const address& a, handler h,
                                   std::shared_ptr<detail::tls_config> tls) {
    std::string_view url = a.url;
    if (!h) throw std::invalid_argument(fmt::format("corio: serve('{}'): empty handler", url));
    auto& s = *state_;
    const bool unix_socket = a.scheme == scheme::unix_stream;
    if (!a.is_stream())
        throw std::invalid_argument(
            fmt::format("corio: serve('{}'): {}:// is a datagram scheme: pass a "
                        "corio::datagram_handler (a coroutine taking datagram_socket&)",
                        url, to_string(a.scheme)));
    generic_protocol::endpoint ep;
    if (unix_socket) {
        detail::clear_stale_socket(a);
        ep = detail::unix_endpoint(a);
    } else {
        ep = s.resolve(a);
    }
    auto l = std::make_unique<listener>();
    l->addr = a;
    l->serve = std::make_shared<const handler>(std::move(h));
    l->tls = std::move(tls);
    // Unix sockets have no SO_REUSEPORT balancing: one acceptor, loops picked by the balancer.
    std::size_t count = s.opts.reuse_port && !unix_socket ? s.loops.size() : 1;
    for (std::size_t i = 0; i < count; ++i) {
        loop* owner = s.opts.reuse_port ? s.loop_list[i] : nullptr;
        auto& ctx = owner ? owner->context() : s.control;
        auto acc = s.open_acceptor(ctx, a, ep);
        if (i == 0) {
            auto bound = acc->local_endpoint();
            l->local = detail::format_endpoint(bound);
            if (unix_socket) {
                if (a.path.front() != '@') l->socket_file = a.path;
                l->local = a.path;
                l->acceptors.push_back({std::move(acc), owner});
                continue;
            }
            auto* sa = reinterpret_cast<const sockaddr_in*>(bound.data());
            l->port = ntohs(sa->sin_port); // sin_port and sin6_port share their offset
            // With port 0 the other reuse_port acceptors must join the port just chosen.
            if (a.port == 0) {
                auto* raw = reinterpret_cast<sockaddr_in*>(ep.data());
                raw->sin_port = htons(l->port);
            }
        }
        l->acceptors.push_back({std::move(acc), owner});
    }
    listener_info info{a.url, l->local, l->port};
    s.log(log_level::info, "listening on {} ({}, {} loop(s){})", a.url, l->local, s.loops.size(),
          s.opts.reuse_port ? ", reuse_port" : "");
    std::lock_guard lock(s.mutex);
    listener& ref = *l;
    s.listeners.push_back(std::move(l));
    if (s.current.load() == phase::running) s.start_accepting(ref);
    return info;
}

listener_info engine::serve(std::string_view url, datagram_handler h) {
    if (!h) throw std::invalid_argument(fmt::format("corio: serve('{}'): empty handler", url));
    auto& s = *state_;
    std::vector<detail::multicast_join> joins;
    address a = parse_address(detail::split_datagram_query(url, joins));
    a.url = std::string(url);
    if (a.is_stream())
        throw std::invalid_argument(
            fmt::format("corio: serve('{}'): a datagram handler needs a udp://, udp4:// or "
                        "udp6:// address; {}:// is a stream scheme (pass a corio::handler)",
                        url, to_string(a.scheme)));
    // Name resolution and family checks are the stream ones, with the matching TCP scheme.
    address as_tcp = a;
    as_tcp.scheme = a.scheme == scheme::udp4   ? scheme::tcp4
                    : a.scheme == scheme::udp6 ? scheme::tcp6
                                               : scheme::tcp;
    auto resolved = s.resolve(as_tcp);
    udp_endpoint ep;
    std::memcpy(ep.data(), resolved.data(), resolved.size());
    ep.resize(resolved.size());
    auto d = std::make_unique<detail::datagram_listener>(a, ep, s.loop_list, s.opts, std::move(h),
                                                         joins, s.datagram_handlers);
    listener_info info{a.url, d->local(), d->port()};
    s.log(log_level::info, "serving datagrams on {} ({}, {} loop socket(s))", a.url, d->local(),
          s.loops.size());
    std::lock_guard lock(s.mutex);
    if (s.current.load() == phase::running) d->start();
    s.datagram_listeners.push_back(std::move(d));
    return info;
}

void engine::start() {
    auto& s = *state_;
    {
        std::lock_guard lock(s.mutex);
        phase expected = phase::idle;
        if (!s.current.compare_exchange_strong(expected, phase::running)) {
            if (expected == phase::running) throw std::logic_error("corio: engine already running");
            return; // stopped before it started
        }
        unsigned cores = std::max(1u, std::thread::hardware_concurrency());
        for (auto* lp : s.loop_list) {
            std::optional<unsigned> cpu;
            if (s.opts.pin_loops) cpu = static_cast<unsigned>(lp->index() % cores);
            engine_access::start(*lp, cpu);
            s.start_sweeper(*lp);
        }
        s.control_work.emplace(s.control.get_executor());
        if (s.opts.handle_signals) {
            s.signals.emplace(s.control, SIGINT, SIGTERM);
            s.signals->async_wait([this](boost::system::error_code ec, int sig) {
                if (ec) return;
                state_->log(log_level::info, "signal {}: stopping", sig);
                stop();
            });
        }
        for (auto& l : s.listeners) s.start_accepting(*l);
        for (auto& d : s.datagram_listeners) d->start();
        s.control_thread = std::thread([&s] {
            ::pthread_setname_np(::pthread_self(), "corio-control");
            s.control.run();
        });
    }
    if (s.opts.on_boot) s.opts.on_boot(*this);
}

void engine::wait() {
    auto& s = *state_;
    if (s.control_thread.joinable()) s.control_thread.join();
    for (auto* lp : s.loop_list) engine_access::join(*lp);
    s.current.store(phase::stopped);
}

void engine::run() {
    start();
    wait();
}

void engine::stop() {
    auto& s = *state_;
    phase expected = phase::running;
    if (s.current.compare_exchange_strong(expected, phase::stopping)) {
        s.tickers->close(); // no tick starts once stop() has returned
        asio::co_spawn(s.control, s.graceful_stop(), asio::detached);
        return;
    }
    expected = phase::idle;
    s.current.compare_exchange_strong(expected, phase::stopped);
}

bool engine::running() const noexcept {
    return state_->current.load() == phase::running;
}

std::size_t engine::count_connections() const noexcept {
    return state_->total();
}
std::size_t engine::loop_count() const noexcept {
    return state_->loops.size();
}
loop& engine::get_loop(std::size_t index) {
    return *state_->loops.at(index);
}
const options& engine::get_options() const noexcept {
    return state_->opts;
}
void engine::log(log_level level, std::string_view line) const {
    if (state_->opts.logger) state_->opts.logger(level, line);
}

ticker engine::add_ticker(std::chrono::nanoseconds interval, detail::tick_function fn,
                          ticker_options o) {
    auto& s = *state_;
    if (interval.count() <= 0) throw std::invalid_argument("corio: every(): interval must be > 0");
    if (o.loop >= s.loops.size())
        throw std::invalid_argument(
            fmt::format("corio: every(): loop {} out of range ({} loops)", o.loop, s.loops.size()));
    phase p = s.current.load();
    return s.tickers->start(*s.loops[o.loop], interval, std::move(fn), o.immediate,
                            p == phase::idle || p == phase::running);
}

} // namespace corio
