// The engine's private state: its loops, listeners and phase, shared by the files that
// listen (engine_listen.cpp), accept (engine_accept.cpp), stop (engine_stop.cpp) and own
// the lifecycle (engine.cpp).
#pragma once

#include <corio/address.hpp>
#include <corio/engine.hpp>
#include <corio/go/context.hpp>

#include "datagram_listener.hpp"
#include "ticker_registry.hpp"
#include "tls_context.hpp"
#include "worker_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <fmt/format.h>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace corio {
namespace asio = boost::asio;
using generic_protocol = asio::generic::stream_protocol;
using acceptor_type = asio::basic_socket_acceptor<generic_protocol>;

namespace detail {

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

} // namespace detail

struct engine::state {
    using phase = detail::phase;
    using listener = detail::listener;

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
    // Canceled when stop() begins (engine::stop_context()).
    std::pair<context, cancel_func> stop_ctx = with_cancel(context());

    state(engine& e, options o) : self(e), opts(std::move(o)) {}

    template <class... Args>
    void log(log_level level, fmt::format_string<Args...> f, Args&&... args) const {
        if (opts.logger) opts.logger(level, fmt::format(f, std::forward<Args>(args)...));
    }

    // An engine runs once: what is asked of it after stop() is a logic_error, not a no-op.
    void refuse_if_stopped(std::string_view call, std::string_view url) const {
        phase p = current.load();
        if (p == phase::stopping || p == phase::stopped)
            throw std::logic_error(fmt::format(
                "corio: {}('{}') after stop(): an engine runs once; make a new one", call, url));
    }

    std::size_t total() const noexcept {
        std::size_t n = 0;
        for (auto* lp : loop_list) n += lp->connection_count();
        return n;
    }

    // Listening (engine_listen.cpp), on the caller's thread.
    generic_protocol::endpoint resolve(const address& a);
    std::unique_ptr<acceptor_type> open_acceptor(asio::io_context& ctx, const address& a,
                                                 const generic_protocol::endpoint& ep);

    // Accepting (engine_accept.cpp): acceptors run on their owner loop or the control thread.
    void start_accepting(listener& l);
    asio::awaitable<void> accept_loop(listener& l, acceptor_type& acc, loop* owner);
    void hand_off(listener& l, int fd, const sockaddr_storage& peer, socklen_t peer_len,
                  loop* owner);
    void start_connection(loop& lp, listener& l, int fd, int family);
    std::shared_ptr<connection> adopt(loop& lp, connection::socket_type sock);
    asio::awaitable<void> serve_tls(listener& l, std::shared_ptr<connection> conn);
    void log_handler_exception(connection& conn, std::exception_ptr e);
    void finish(loop& lp, const std::shared_ptr<connection>& conn);

    // Sweeping and stopping (engine_stop.cpp): the stop runs on the control thread.
    void start_sweeper(loop& lp);
    void arm_sweeper(asio::steady_timer& t, loop& lp);
    void close_acceptors();
    void watch_signals();
    asio::awaitable<void> wait_for_connections(std::chrono::milliseconds limit);
    asio::awaitable<void> graceful_stop();
    asio::awaitable<void> wait_for_tickers();
    asio::awaitable<void> wait_for_goroutines();

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
};

} // namespace corio
