// The engine: options, one loop per core, listeners, accepting and balancing, hooks and
// graceful stop. `serve` an address with a handler coroutine, then `run`.
#pragma once

#include <corio/config.hpp>

#include <corio/balancer.hpp>
#include <corio/connection.hpp>
#include <corio/datagram.hpp>
#include <corio/go/context.hpp>
#include <corio/logger.hpp>
#include <corio/loop.hpp>
#include <corio/task.hpp>
#include <corio/ticker.hpp>
#include <corio/tls.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace corio {

class engine;
struct address;
namespace detail {
struct tls_config;
}

/// A connection handler: a coroutine that owns the connection until it returns. When it
/// returns (or throws, which is logged) the connection is flushed and closed.
using handler = std::function<task<>(connection&)>;

/// Engine options: a plain struct; every field has a sensible default.
struct options {
    /// Event loops (threads); 0 means one per core.
    std::size_t loops = 0;
    /// Picks a loop per accepted socket; null means least_connections().
    std::shared_ptr<corio::balancer> balancer{};
    /// One SO_REUSEPORT acceptor per loop (the kernel balances) instead of one acceptor.
    bool reuse_port = false;
    /// SO_REUSEADDR on listeners.
    bool reuse_addr = true;
    /// TCP_NODELAY on every TCP connection.
    bool tcp_nodelay = true;
    /// TCP keepalive idle time; 0 leaves keepalive off.
    std::chrono::seconds tcp_keepalive{0};
    /// SO_RCVBUF / SO_SNDBUF; 0 keeps the kernel's default.
    int socket_recv_buffer = 0;
    int socket_send_buffer = 0;
    /// Listen backlog.
    int listen_backlog = 4096;
    /// Most inbound bytes buffered per connection; more is errc::buffer_full.
    std::size_t inbound_cap = std::size_t{64} << 20;
    /// Most outbound bytes buffered per connection; more is errc::buffer_full.
    std::size_t outbound_cap = std::size_t{64} << 20;
    /// flush() returns once the outbound backlog is at or under this.
    std::size_t outbound_high_water = std::size_t{1} << 20;
    /// Block size of outbound buffers (the pooled unit of outbound memory).
    std::size_t block_size = 4096;
    /// First inbound block of a busy connection (pooled; idle connections give it back). A read
    /// that fills it is followed by another read, so it should exceed typical messages.
    std::size_t read_block_size = 16384;
    /// Per-connection timeouts, 0 disables. read_timeout: a deadline for each read call as a
    /// whole (bytes trickling in do not extend it). idle_timeout: no bytes either way for
    /// this long closes the connection. See connection::set_read_timeout/set_idle_timeout.
    std::chrono::milliseconds read_timeout{0};
    std::chrono::milliseconds idle_timeout{0};
    /// How long close() keeps flushing a backlog before closing anyway.
    std::chrono::milliseconds close_timeout{5000};
    /// How long stop() lets handlers finish before closing their connections.
    std::chrono::milliseconds shutdown_timeout{5000};
    /// Connections idle this long give their inbound buffer back; 0 never.
    std::chrono::milliseconds idle_release{1000};
    /// Largest UDP payload a datagram socket accepts (1..65535); larger datagrams are dropped
    /// and counted (datagram_socket::dropped_oversized). Each loop socket keeps a receive
    /// buffer of this size plus one byte.
    std::size_t max_datagram_size = 65507;
    /// Pin loop i to core i (mod cores).
    bool pin_loops = false;
    /// How long a loop that has run out of work keeps polling before it sleeps in the kernel
    /// (Go's spinning threads); 0 (the default) sleeps at once. A wake from another loop or
    /// thread (a channel send to a coroutine there, a post) that comes within this window costs
    /// no kernel wake-up, which on this kind of VM is tens of microseconds; the price is CPU
    /// spent polling while idle, up to this long after each burst of work.
    std::chrono::microseconds idle_spin{0};
    /// Stop gracefully on SIGINT and SIGTERM while running.
    bool handle_signals = true;
    /// Worker threads for corio::offload (started on its first call, joined when the engine
    /// is destroyed).
    std::size_t worker_threads = 4;
    /// Most offload calls waiting for a free worker; one more throws errc::queue_full.
    std::size_t worker_queue_limit = 1024;
    /// Where log lines go.
    corio::logger logger = stderr_logger();
    /// Called once all loops run and listeners accept.
    std::function<void(engine&)> on_boot{};
    /// Called once every connection is gone, before the loops stop.
    std::function<void(engine&)> on_shutdown{};
};

/// What serve() bound.
struct listener_info {
    std::string url{};
    std::string local_address{}; ///< e.g. "127.0.0.1:41234"
    std::uint16_t port = 0;      ///< the bound port (useful with port 0)
};

class engine {
public:
    /// Validates options (std::invalid_argument names the bad field) and makes the loops.
    explicit engine(options opts = {});
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    /// Binds and listens on `url` now (errors throw, naming the address), serving each
    /// connection with `h`. Any number of addresses; before or while running. tcp://,
    /// tcp4://, tcp6:// and unix://; tls:// needs the overload with tls_options.
    listener_info serve(std::string_view url, handler h);
    /// Serves a tls:// address. Each connection's handshake (bounded by
    /// tls.handshake_timeout) finishes before `h` sees it; a failed handshake (a plain-text
    /// peer, a refused certificate) is logged and closes that connection only. Certificate
    /// problems throw std::invalid_argument here, naming the file.
    listener_info serve(std::string_view url, handler h, const tls_options& tls);
    /// Binds `url` (udp://, udp4://, udp6://) with one socket per loop (SO_REUSEPORT when
    /// there are several) and runs `h` once per socket from start() (at once if running).
    /// Stop wakes receive() with errc::shutting_down and waits for the handlers like for
    /// connections. "?join=GROUP" (repeatable) and "&interface=ADDRESS" join multicast groups
    /// on the first loop's socket. Errors throw, naming the address.
    listener_info serve(std::string_view url, datagram_handler h);

    /// Starts the loops and acceptors and returns. An engine runs once: start() while running,
    /// or after stop(), throws std::logic_error (so do serve() calls after stop()).
    void start();
    /// Blocks until the engine has stopped.
    void wait();
    /// start() then wait(): blocks until stop(), SIGINT or SIGTERM.
    void run();
    /// Graceful stop, from any thread (handlers included): stop accepting, wake readers with
    /// errc::shutting_down, let handlers finish up to shutdown_timeout, close the rest.
    void stop();
    /// A context canceled (errc::canceled) when the graceful stop begins, before handlers
    /// are asked to end: handlers and corio::go coroutines select on it (case_done) or pass
    /// it to reads and dials to wind down at once (Go's signal.NotifyContext). Any thread.
    context stop_context() const;
    /// True between start() and the end of stop.
    bool running() const noexcept;

    /// Live connections across all loops.
    std::size_t count_connections() const noexcept;
    std::size_t loop_count() const noexcept;
    corio::loop& get_loop(std::size_t index);
    const options& get_options() const noexcept;
    /// Logs through the configured logger.
    void log(log_level level, std::string_view line) const;

    /// Runs `fn` on a loop every `interval` (> 0) until it stops, is cancelled, or the engine
    /// stops; fn returns corio::tick (the next delay, or stop), void (repeat every
    /// `interval`), task<tick> or task<>. See <corio/ticker.hpp>. Any thread.
    template <class F>
    ticker every(std::chrono::nanoseconds interval, F&& fn, ticker_options opts = {}) {
        return add_ticker(interval, detail::make_tick_function(std::forward<F>(fn), interval),
                          opts);
    }

    struct state;

private:
    friend struct engine_access;
    listener_info serve_stream(const address& a, handler h,
                               std::shared_ptr<detail::tls_config> tls);
    ticker add_ticker(std::chrono::nanoseconds interval, detail::tick_function fn,
                      ticker_options opts);

    std::unique_ptr<state> state_;
};

} // namespace corio
