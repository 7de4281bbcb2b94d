// A stream connection (TCP, Unix or TLS) owned by one loop. Reads land in an elastic
// inbound ring buffer and are awaited (read, peek, next, read_until); writes append to an
// elastic outbound buffer without suspending and leave with one writev per flush; flush
// applies backpressure. EOF, resets and timeouts are values (error()), not exceptions.
//
// A connection belongs to its loop. Called from another loop's coroutine (a dialed upstream
// placed elsewhere by the balancer), the awaitable operations hop to the owning loop and
// back, and write/writev/discard/shutdown_write are posted there in order.
#pragma once

#include <corio/config.hpp>

#include <corio/buffer/mixed.hpp>
#include <corio/buffer/ring.hpp>
#include <corio/error.hpp>
#include <corio/task.hpp>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace corio {

class loop;
class context;
namespace detail {
struct tls_session;
}

/// A view of inbound bytes that tests false when empty, so `while (auto b = co_await
/// conn.read())` reads until EOF. It points into the connection's buffer: valid until the
/// next read, peek, next or read_until on that connection.
class bytes : public std::string_view {
public:
    constexpr bytes() noexcept = default;
    constexpr bytes(std::string_view v) noexcept : std::string_view(v) {}
    explicit constexpr operator bool() const noexcept { return !empty(); }
};

/// Per-connection limits, filled from engine options.
struct connection_limits {
    std::size_t inbound_cap = buffer::default_max_size;
    std::size_t outbound_cap = buffer::default_max_size;
    std::size_t outbound_high_water = std::size_t{1} << 20;
    std::size_t outbound_ring_threshold = 64 * 1024;
    std::chrono::milliseconds read_timeout{0};
    std::chrono::milliseconds idle_timeout{0};
    std::chrono::milliseconds close_timeout{5000};
};

class connection : public std::enable_shared_from_this<connection> {
public:
    /// The socket, bound to its loop's io_context executor (8 bytes, not a type-erased one:
    /// idle connections are mostly their bookkeeping).
    using socket_type = boost::asio::basic_stream_socket<boost::asio::generic::stream_protocol,
                                                         boost::asio::io_context::executor_type>;
    using endpoint = boost::asio::generic::stream_protocol::endpoint;
    using executor_type = boost::asio::io_context::executor_type;
    using clock = std::chrono::steady_clock;

    /// Made by the engine (or client) on the socket's own loop thread.
    connection(corio::loop& owner, socket_type socket, const connection_limits& limits);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // ---- reading ----------------------------------------------------------------------

    /// All buffered inbound bytes, waiting for at least one if none are buffered. Empty at
    /// EOF, on error or timeout (see error()). Bytes stay buffered until discard().
    task<bytes> read();
    /// Waits until n bytes are buffered and returns exactly the first n, not consumed. Empty
    /// if the stream ends first or n is over the inbound cap (error() says why).
    task<bytes> peek(std::size_t n);
    /// Like peek(n), then consumes those n bytes (the view stays valid until the next read).
    task<bytes> next(std::size_t n);
    /// Waits until `delim` is buffered and returns the bytes up to and including it, not
    /// consumed. Empty if the stream ends first or the cap is reached without it.
    task<bytes> read_until(std::string_view delim);
    /// read(), peek(n) and next(n) that also end once `ctx` is done (canceled or past its
    /// deadline; also when it is done before the call): then they return empty and error()
    /// is ctx.err() (errc::canceled or errc::deadline_exceeded). As with a read timeout, the
    /// connection stays usable and the next read clears that error. Go's reads under a
    /// context or deadline. The context may be canceled from any thread.
    task<bytes> read(const corio::context& ctx);
    task<bytes> peek(std::size_t n, const corio::context& ctx);
    task<bytes> next(std::size_t n, const corio::context& ctx);
    /// Drops the first n buffered inbound bytes (at most inbound_buffered()).
    void discard(std::size_t n) noexcept;
    /// Inbound bytes buffered now.
    std::size_t inbound_buffered() const noexcept { return inbound_.size(); }
    /// The buffered inbound bytes without waiting (made contiguous).
    bytes buffered() noexcept { return inbound_.linearize(); }

    // ---- writing ----------------------------------------------------------------------

    /// Appends to the outbound buffer; never suspends. False if the connection has failed or
    /// the outbound cap would be passed (then the connection fails with errc::buffer_full).
    bool write(std::string_view data);
    /// Appends each piece in order, as one all-or-nothing write.
    bool writev(std::initializer_list<std::string_view> pieces);
    /// Sends what is buffered (one writev, more while the socket takes it). Returns once the
    /// outbound backlog is at or under the high-water mark; the rest drains in the
    /// background. Returns the write error, if any.
    task<std::error_code> flush();
    /// flush() that returns ctx.err() once `ctx` is done, even while it waits for the peer
    /// to take a backlog (what is buffered stays buffered and keeps draining).
    task<std::error_code> flush(const corio::context& ctx);
    /// write(data), then flush(), without the copy when nothing is buffered ahead of data:
    /// then data goes to the kernel from where it is and only what the socket does not take
    /// now is copied into the outbound buffer. data must stay valid until the flush is done.
    /// The bytes go out after everything written before, as with write().
    task<std::error_code> flush(std::string_view data);
    /// Sends what is buffered at the end of the loop's turn instead of now: the loop first
    /// runs the work already queued (other connections' reads and replies), then makes all
    /// the deferred sends in one pass, as Redis does before it sleeps. With many busy
    /// connections a peer is then woken about once per turn instead of once per reply, which
    /// costs the sender less. Never suspends and applies no backpressure: a caller that may
    /// outrun its peer co_awaits flush() once outbound_buffered() passes high_water_mark().
    /// Any thread (from another thread it is posted to the owning loop).
    void flush_soon();
    /// Thread-safe write: copies data to the owning loop, appends and flushes there; `done`
    /// (optional) runs on the loop with the result.
    void async_write(std::string data, std::function<void(std::error_code)> done = {});
    /// Outbound bytes not yet taken by the kernel.
    std::size_t outbound_buffered() const noexcept { return outbound_.size(); }
    /// The outbound high-water mark (flush returns once the backlog is at or under it).
    std::size_t high_water_mark() const noexcept { return limits_.outbound_high_water; }

    // ---- ending -----------------------------------------------------------------------

    /// Flushes what is buffered (bounded by the close timeout), then closes. Idempotent. On
    /// TLS it also sends close_notify and waits up to a second for the peer's.
    task<> close();
    /// Sends FIN after the buffered bytes are sent; reading goes on. Later writes return
    /// false without failing the connection. On TLS, TLS has no half-close that peers
    /// honour reliably: writes stop here and the close_notify goes out with close().
    void shutdown_write();
    bool is_open() const noexcept { return !closed_; }
    /// Why reading or writing stopped: errc::eof, errc::timed_out, errc::buffer_full,
    /// errc::shutting_down, errc::closed or a system error such as connection_reset.
    std::error_code error() const noexcept { return error_ ? error_ : write_error_; }

    // ---- identity ---------------------------------------------------------------------

    /// Unique in this process.
    std::uint64_t id() const noexcept { return id_; }
    corio::loop& owner() noexcept { return loop_; }
    executor_type get_executor() noexcept;
    endpoint local_endpoint() const;
    /// The peer's TCP address is the one seen at accept or connect time, so it is still
    /// known after a reset; a unix peer's is asked of the socket. Any thread.
    endpoint remote_endpoint() const;
    /// "127.0.0.1:5000", "[::1]:5000" or a unix path; empty if unknown. Any thread.
    std::string local_address() const;
    std::string remote_address() const;
    socket_type& socket() noexcept { return socket_; }
    /// True for a tls:// connection (its handshake is done before a handler sees it).
    bool is_tls() const noexcept { return tls_ != nullptr; }
    /// The ALPN protocol the TLS handshake chose; empty if none (or not TLS).
    std::string alpn_protocol() const;

    // ---- timeouts ---------------------------------------------------------------------

    /// A deadline per read call: a read/peek/next/read_until not done this long after it was
    /// called returns empty with errc::timed_out, however the bytes trickle in (a line sent
    /// a byte a second does not keep it alive: slowloris protection); the connection stays
    /// usable. For a limit on silence between bytes, use set_idle_timeout. 0 disables.
    /// Loop thread, or any thread (then posted to the connection's loop).
    void set_read_timeout(std::chrono::milliseconds timeout);
    /// An inactivity timeout: no bytes moved either way for this long, and the connection
    /// fails with errc::timed_out. 0 disables. Loop thread, or any thread (then posted).
    void set_idle_timeout(std::chrono::milliseconds timeout);
    /// Go's SetReadDeadline: a read still waiting at `when`, or started after it, returns
    /// empty with errc::timed_out; the connection stays usable, and a later deadline (or
    /// clock::time_point::max(): none) lets reads go on. Combines with the read timeout:
    /// whichever comes first.
    void set_read_deadline(clock::time_point when);
    clock::time_point read_deadline() const noexcept {
        return deadlines_ ? deadlines_->read : clock::time_point::max();
    }

    // ---- user context -----------------------------------------------------------------

    /// Stores a T (replacing any previous context) and returns it. The first call on a
    /// connection allocates the holder, so connections without a context do not pay for it.
    template <class T, class... Args>
    T& emplace_context(Args&&... args) {
        if (!context_) context_ = std::make_unique<std::any>();
        return context_->emplace<T>(std::forward<Args>(args)...);
    }
    /// The stored T, or nullptr if there is none or it has another type.
    template <class T>
    T* context() noexcept {
        return context_ ? std::any_cast<T>(context_.get()) : nullptr;
    }
    void reset_context() noexcept {
        if (context_) context_->reset();
    }

private:
    friend class loop;
    friend struct engine_access;
    friend struct event_access;
    // Why a read was woken: `wake` ends it early with an empty view and no error (the event
    // handler adapter's wake(), lib/event_access.hpp).
    enum class cancel_reason : std::uint8_t { none, timeout, shutdown, park, context, wake };
    struct deadline_state;

    // Waits until `want` bytes are buffered (or the stream ends: empty result) and returns the
    // first `take` of them, consuming them if asked.
    task<bytes> gather(std::size_t want, std::size_t take, bool consume);
    task<bytes> start_read(std::size_t want, std::size_t take, bool consume);
    task<bytes> wait_then_gather(std::size_t want, std::size_t take, bool consume);
    task<bytes> read_until_here(std::string_view delim);
    task<bytes> read_with_context(corio::context ctx, std::size_t want, std::size_t take,
                                  bool consume);
    task<std::error_code> flush_with_context(corio::context ctx);
    void on_context_done(std::uint64_t read, std::error_code why) noexcept;
    void fail_read_for_context() noexcept;
    void clear_interrupted_read() noexcept;
    bool on_own_loop() const noexcept;
    bool read_deadline_passed();
    deadline_state& deadlines();
    void remember_peer() noexcept;
    template <class F>
    auto on_owner(F make_op);
    bool read_nonblocking();
    boost::asio::awaitable<void> yield_to_loop();
    bool send_some();
    void send_or_arm_drain();
    task<std::error_code> send_until(std::size_t limit);
    task<std::error_code> send_through(std::string_view data);
    void arm_drain();
    void fail_read(std::error_code ec) noexcept;
    void fail_write(std::error_code ec) noexcept;
    void touch() noexcept;
    void schedule_check(clock::time_point when);
    void on_deadline();
    void cancel_read(cancel_reason why) noexcept;
    void arm_read_watch();
    void on_read_watch(const boost::system::error_code& ec);
    void wake_reader() noexcept;
    void close_socket() noexcept;
    task<> close_here();

    // TLS (lib/connection_tls.cpp): one writer coroutine drains the outbound buffer through
    // the SSL stream; flush and close wait for its progress.
    task<std::error_code> tls_handshake(bool server, std::chrono::milliseconds timeout);
    void tls_start_writer();
    task<> tls_write_loop(std::shared_ptr<connection> self);
    task<std::error_code> tls_send_until(std::size_t limit);
    task<> tls_close_notify();

    // Engine hooks (loop thread).
    void begin_shutdown() noexcept;
    void force_close() noexcept;
    void park_if_idle(std::uint32_t generation) noexcept;

    corio::loop& loop_;
    socket_type socket_;
    // What the connection still needs of its connection_limits after construction (the caps
    // live in the buffers): the whole struct would cost 24 more bytes per connection.
    struct kept_limits {
        std::size_t outbound_high_water;
        std::chrono::milliseconds read_timeout;
        std::chrono::milliseconds idle_timeout;
        std::chrono::milliseconds close_timeout;
    };
    kept_limits limits_;
    std::uint64_t id_;
    buffer::ring inbound_;
    buffer::mixed outbound_;
    std::error_code error_;
    std::error_code write_error_;
    // Made on the first deadline: the timer and the rarer deadlines, so a connection that
    // never sets one does not carry them (idle memory is counted in bytes).
    struct deadline_state {
        explicit deadline_state(const boost::asio::any_io_executor& ex) : timer(ex) {}
        boost::asio::steady_timer timer;
        clock::time_point armed = clock::time_point::max(); // what the timer waits for
        clock::time_point close = clock::time_point::max(); // close() gives up flushing
        clock::time_point read = clock::time_point::max();  // set_read_deadline
        // A read under a context (read(ctx) and the like): which one (0: none), and the
        // context's error once it is done while that read runs.
        std::uint64_t context_read = 0;
        std::error_code context_error;
    };
    std::unique_ptr<deadline_state> deadlines_;
    // The peer's address, kept from accept/connect time: after a reset the kernel no longer
    // tells (getpeername fails), and the log line for a reset connection needs it most.
    struct peer_address {
        std::uint16_t family = 0; // AF_INET or AF_INET6; 0: ask the socket (unix peers)
        std::uint16_t port = 0;   // network byte order
        std::uint32_t scope_id = 0;
        unsigned char bytes[16] = {};
    };
    peer_address peer_;
    clock::time_point last_activity_{};
    clock::time_point read_started_{};
    std::unique_ptr<std::any> context_;        // made by the first emplace_context
    std::unique_ptr<detail::tls_session> tls_; // null for plain TCP and Unix
    using read_waiter =
        boost::asio::async_result<boost::asio::use_awaitable_t<>, void()>::handler_type;
    std::optional<read_waiter> read_waiter_; // a read suspended on the read watch
    connection* prev_ = nullptr;             // loop's intrusive list
    connection* next_ = nullptr;
    // The sweep period of the last activity (32 bits: 136 years of one-second sweeps).
    std::uint32_t active_generation_ = 0;
    cancel_reason cancel_reason_ = cancel_reason::none;
    char peek_byte_ = 0;
    // Bit-fields: with the two fields above they fill one 8-byte word, where bools took 16
    // (idle connections are counted in bytes; loop thread only).
    std::uint8_t quiet_waits_ : 4 = 0; // waits on the read watch since the last miss (< 16)
    bool reading_ : 1 = false;
    bool maybe_readable_ : 1 = false;
    // The read watch (lib/connection_read.cpp, gather): on a quiet connection, a readability
    // wait queued as soon as a recv finds the socket drained, so the edge-triggered event that
    // the peer's next bytes raise always has a taker, whatever the handler awaits before its
    // next read. A read that finds the watch pending suspends on it (read_waiter_).
    bool watching_ : 1 = false;     // the watch is queued
    bool watch_fired_ : 1 = false;  // it completed since the last recv: the socket may have data
    bool prefer_watch_ : 1 = false; // drained sockets get the watch at once (see gather)
    bool read_timed_out_ : 1 = false;
    bool drain_armed_ : 1 = false;
    bool write_shutdown_pending_ : 1 = false;
    bool write_shut_ : 1 = false; // shutdown_write() was called: no more writes
    bool shutting_down_ : 1 = false;
    bool closed_ : 1 = false;
    bool flush_queued_ : 1 = false; // on the loop's deferred-flush list (flush_soon)
};

} // namespace corio
