// gnet-style event handlers on corio's loops and connections, for ports of gnet services: an
// event_handler's callbacks (on_boot, on_open, on_traffic, on_close, on_tick, on_shutdown)
// are driven by one small coroutine per connection, and event_conn has gnet's Conn methods.
//
//     struct echo : corio::event_handler {
//         corio::action on_traffic(corio::event_conn& c) override {
//             c.write(c.next(-1)); // sent when on_traffic returns
//             return corio::action::none;
//         }
//     };
//     echo h;
//     corio::run(h, {"tcp://0.0.0.0:9000"}, {});
//
// Semantics (gnet v2's):
// - on_boot runs once, after the listeners are bound and before any connection is accepted;
//   returning action::shutdown ends run() without starting the loops.
// - on_open runs once per stream connection (tcp://, unix://, tls://) before any on_traffic;
//   the bytes it returns go out first.
// - on_traffic runs when new bytes arrive. Bytes it leaves unconsumed stay buffered and it
//   runs again only when more arrive (or wake() is called), seeing all of them.
// - What a callback writes is sent when it returns (flushed with backpressure).
// - action::close flushes what was written, closes that connection, then on_close runs once
//   with {} (or with why the connection ended: errc::eof, a reset, errc::shutting_down...).
// - action::shutdown stops the engine gracefully (engine::stop()).
// - on_tick (with event_options::ticker) runs on one loop, first at once after boot, then
//   after each delay it returns (counted from the end of the previous tick).
// - on_shutdown runs once, after every connection is gone.
// - udp://: on_traffic runs once per datagram and write() replies to its sender; there is no
//   on_open or on_close (gnet has none for UDP either).
// - Callbacks for a connection run on its loop's thread; callbacks of different connections
//   run on several loops at once (as gnet with multicore): shared state needs a lock.
// - An exception from a connection's callback is logged through the engine's logger and
//   closes that connection without on_close.
#pragma once

#include <corio/config.hpp>

#include <corio/client.hpp>
#include <corio/connection.hpp>
#include <corio/datagram.hpp>
#include <corio/engine.hpp>
#include <corio/error.hpp>
#include <corio/task.hpp>
#include <corio/tls.hpp>

#include <any>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace corio {

class event_conn;
namespace detail {
struct event_driver;
}

/// What a callback asks for when it returns (gnet's Action).
enum class action {
    none,    ///< nothing (gnet's None)
    close,   ///< flush and close this connection (gnet's Close)
    shutdown ///< stop the engine gracefully (gnet's Shutdown)
};

/// Errors of event_conn's calls that gnet reports with its own error values.
enum class event_errc {
    short_buffer = 1, ///< fewer bytes buffered than asked for (gnet's io.ErrShortBuffer)
    unsupported,      ///< not available on this kind of connection (gnet's ErrUnsupportedOp)
};

/// The category of corio::event_errc ("corio.events").
const std::error_category& event_error_category() noexcept;

inline std::error_code make_error_code(event_errc e) noexcept {
    return {static_cast<int>(e), event_error_category()};
}

} // namespace corio

template <>
struct std::is_error_code_enum<corio::event_errc> : std::true_type {};

namespace corio {

/// What on_open returns: bytes to send first, and an action.
struct open_result {
    std::string out{};
    action act = action::none;
};

/// What on_tick returns: the delay until the next tick, and an action (action::shutdown
/// stops the engine and the ticker; action::close means nothing here, as in gnet).
struct tick_result {
    std::chrono::nanoseconds delay{0};
    action act = action::none;
};

/// gnet's EventHandler (with BuiltinEventEngine's no-op defaults): override what you need.
/// Each callback runs on a loop thread and must not block it (see corio::offload).
class event_handler {
public:
    virtual ~event_handler() = default;

    /// Once, when the listeners are bound, before any connection is accepted (on the thread
    /// that runs the engine). action::shutdown ends run() at once.
    virtual action on_boot(engine&) { return action::none; }
    /// Once, after every connection is gone, before the loops stop (on the engine's control
    /// thread).
    virtual void on_shutdown(engine&) {}
    /// Once per stream connection, on its loop, before any on_traffic. `out` is sent first.
    virtual open_result on_open(event_conn&) { return {}; }
    /// Once per stream connection, on its loop, after it is closed. `err` is why it ended:
    /// {} after action::close or close(), else errc::eof, a reset, errc::shutting_down,
    /// errc::timed_out... action::shutdown stops the engine; the others mean nothing here.
    virtual action on_close(event_conn&, std::error_code) { return action::none; }
    /// When new bytes arrived (or wake() was called), on the connection's loop; for udp://,
    /// once per datagram. The views from peek/next are valid until it returns.
    virtual action on_traffic(event_conn&) { return action::none; }
    /// With event_options::ticker: first right after boot, then after each returned delay, on
    /// the ticker's loop. (gnet's default returns a zero delay, a busy loop; this one waits a
    /// second.)
    virtual tick_result on_tick() { return {std::chrono::seconds(1), action::none}; }
};

/// gnet's Conn: one stream connection, or (udp://) the datagram on_traffic is handling. It
/// lives from on_open to the end of on_close (for udp://, as long as its socket); do not use
/// it after on_close returns, from any thread. "Loop only" calls belong in this connection's
/// callbacks (gnet: "not concurrency-safe, invoke within EventHandler"); "any thread" calls
/// may be made from other threads while the connection lives (gnet: "concurrency-safe").
class event_conn {
public:
    /// Runs on the connection's loop once an asynchronous call is done, with its error.
    /// (gnet's AsyncCallback also gets the Conn: capture what you need instead.)
    using callback = std::function<void(std::error_code)>;

    event_conn(const event_conn&) = delete;
    event_conn& operator=(const event_conn&) = delete;

    // ---- reading: loop only --------------------------------------------------------------

    /// The first n buffered bytes, not consumed; n <= 0 (e.g. -1): all of them. Fewer than n
    /// buffered: empty, and ec (in the overload) is event_errc::short_buffer. The view is
    /// valid until on_traffic returns. Loop only.
    bytes peek(std::ptrdiff_t n) noexcept;
    bytes peek(std::ptrdiff_t n, std::error_code& ec) noexcept;
    /// Like peek(n), then consumes those bytes (gnet's Next). The view stays valid until
    /// on_traffic returns. Loop only.
    bytes next(std::ptrdiff_t n) noexcept;
    bytes next(std::ptrdiff_t n, std::error_code& ec) noexcept;
    /// Drops the first n buffered bytes (all of them if n <= 0 or n >= inbound_buffered())
    /// and returns how many it dropped. Loop only.
    std::size_t discard(std::ptrdiff_t n) noexcept;
    /// Bytes buffered and not consumed. Loop only.
    std::size_t inbound_buffered() const noexcept;

    // ---- writing ---------------------------------------------------------------------------

    /// Buffers data; it is sent when the callback returns (or at flush()). A view from
    /// peek/next is sent from the inbound buffer without a copy when nothing is queued ahead
    /// of it. False if the connection has failed or the outbound cap would be passed. For
    /// udp:// it sends one datagram to the sender at once. Loop only.
    bool write(std::string_view data);
    /// Buffers each piece in order, all or nothing (udp://: one datagram). Loop only.
    bool writev(std::initializer_list<std::string_view> pieces);
    bool writev(std::span<const std::string_view> pieces);
    /// Sends what is buffered now, as far as the socket takes it without waiting; the rest
    /// drains in the background. Returns the write error, if any. Loop only.
    std::error_code flush();
    /// Bytes written and not yet taken by the kernel. Loop only.
    std::size_t outbound_buffered() const noexcept;
    /// Copies data to the connection's loop, appends it after what is buffered and sends it;
    /// `done` runs there with the result. Calls from one thread arrive in order. Any thread.
    /// (udp://: loop only, it sends at once to the sender, as gnet does; from another thread
    /// `done` gets event_errc::unsupported.)
    void async_write(std::string data, callback done = {});
    /// async_write of the pieces joined, as one write. Any thread (udp://: unsupported).
    void async_writev(std::vector<std::string> pieces, callback done = {});

    // ---- control: any thread -------------------------------------------------------------

    /// Makes on_traffic run for this connection soon, even without new bytes; `done` runs
    /// after that on_traffic (errc::closed if the connection ends first). Several wakes
    /// before it runs make one on_traffic. Any thread. (udp://: event_errc::unsupported.)
    void wake(callback done = {});
    /// Closes the connection asynchronously: what is buffered is flushed, on_close runs
    /// with {}, then `done` (errc::closed if it had closed already). Any thread. (udp://:
    /// event_errc::unsupported.)
    void close(callback done = {});

    // ---- context: loop only --------------------------------------------------------------

    /// Stores a user value with the connection (gnet's SetContext). Loop only.
    void set_context(std::any ctx) noexcept { context_ = std::move(ctx); }
    /// The stored value (gnet's Context); empty if none. Loop only.
    std::any& context() noexcept { return context_; }
    /// The stored value as a T, or nullptr if there is none or it has another type.
    /// Loop only.
    template <class T>
    T* context_as() noexcept {
        return std::any_cast<T>(&context_);
    }

    // ---- identity --------------------------------------------------------------------------

    /// "127.0.0.1:5000", "[::1]:5000" or a unix path (gnet's LocalAddr). Loop only, as gnet
    /// says (connection::local_address itself allows any thread).
    std::string local_address() const;
    /// The peer's address; for udp://, the sender of the datagram (gnet's RemoteAddr). Loop
    /// only, as gnet says.
    std::string remote_address() const;
    /// The connection's process-unique id; 0 for udp:// (gnet's Fd is per socket). Any thread.
    std::uint64_t id() const noexcept;
    /// True when this is a udp:// datagram rather than a stream connection. Any thread.
    bool is_datagram() const noexcept { return udp_ != nullptr; }
    /// The underlying stream connection (not for udp://). Its own methods say which threads
    /// may call them. In callbacks, read and write through this event_conn: reading from the
    /// connection would take bytes from under on_traffic, and its write() could overtake a
    /// write() made here that waits for the callback's end.
    corio::connection& stream() noexcept { return *conn_; }
    /// The underlying datagram socket (udp:// only). Loop only.
    corio::datagram_socket& udp_socket() noexcept { return *udp_; }
    /// The loop this connection belongs to (gnet's EventLoop). Any thread.
    corio::loop& owner() noexcept;

private:
    friend struct detail::event_driver;

    explicit event_conn(corio::connection& c) noexcept : conn_(&c) {}
    explicit event_conn(corio::datagram_socket& s) noexcept : udp_(&s) {}

    std::string_view unread() const noexcept;
    void note_views(std::string_view all) noexcept;
    bool views_hold(std::string_view data) const noexcept;
    bool take_deferred();
    std::error_code send_datagram(std::string_view data);

    corio::connection* conn_ = nullptr;
    corio::datagram_socket* udp_ = nullptr;
    // udp://: the datagram on_traffic is handling and how much of it next/discard consumed.
    const corio::datagram* datagram_ = nullptr;
    std::size_t datagram_read_ = 0;
    // The span of the inbound buffer that this callback's peek/next views point into: the
    // ring does not move or free it until the next read, so a write of such a view may be
    // sent from there after the callback (deferred_) instead of being copied.
    const char* views_begin_ = nullptr;
    const char* views_end_ = nullptr;
    std::string_view deferred_;
    // Set on the loop by wake() and close(); the driver delivers them (lib/event_drive.cpp).
    void post_control(callback done, bool event_conn::*flag,
                      std::vector<callback> event_conn::*waiting);
    std::vector<callback> wake_done_;
    std::vector<callback> close_done_;
    bool wake_pending_ = false;
    bool close_requested_ = false;
    // udp://: replies the socket would not take at once, sent after on_traffic returns.
    std::vector<std::pair<std::string, udp_endpoint>> datagram_backlog_;
    std::any context_;
};

/// Options for run(): the engine's own, plus gnet's that corio's engine has no field for.
/// gnet runs one loop unless WithMulticore; corio's engine.loops = 0 means one per core.
struct event_options {
    /// The engine's options. Its on_boot runs inside engine::start (after the handler's);
    /// its on_shutdown runs before the handler's.
    options engine{};
    /// Call on_tick (gnet's WithTicker).
    bool ticker = false;
    /// The loop on_tick runs on.
    std::size_t ticker_loop = 0;
    /// Certificate and key for tls:// URLs (gnet has no TLS; handshakes finish before
    /// on_open).
    tls_options tls{};
};

/// gnet.Run / gnet.Rotate without blocking: makes an engine from the options and binds
/// every URL at once (errors throw, naming the address); start() begins serving. For tests,
/// and programs that do more than serve. Destroying it stops the engine and waits.
class event_engine {
public:
    /// Binds `urls` (tcp://, tcp4://, tcp6://, unix://, udp://, udp4://, udp6://, tls://) for
    /// `h`, which must outlive this object. Not started yet.
    event_engine(event_handler& h, std::vector<std::string> urls, event_options opts = {});
    ~event_engine();
    event_engine(const event_engine&) = delete;
    event_engine& operator=(const event_engine&) = delete;

    /// Calls on_boot, starts the ticker (if asked) and the engine, then returns. Once.
    void start();
    /// Blocks until the engine has stopped (after stop(), action::shutdown, or a signal when
    /// the options handle signals).
    void wait();
    /// start() then wait(), as gnet.Run.
    void run();
    /// Graceful stop. Any thread.
    void stop();

    corio::engine& get_engine() noexcept { return engine_; }
    /// What each URL bound, in order (ports chosen for :0 included).
    const std::vector<listener_info>& listeners() const noexcept { return listeners_; }

private:
    event_handler& handler_;
    bool ticker_;
    std::size_t ticker_loop_;
    bool started_ = false;
    corio::engine engine_;
    std::vector<listener_info> listeners_;
};

/// gnet.Run with any number of addresses: serves `urls` with `h` and blocks until the engine
/// stops (action::shutdown, or SIGINT/SIGTERM unless options.handle_signals is off). Listen
/// errors throw before anything starts.
void run(event_handler& h, std::vector<std::string> urls, event_options opts = {});
/// gnet.Rotate: gnet's name for Run over several addresses; the same as run().
void rotate(event_handler& h, std::vector<std::string> urls, event_options opts = {});

/// Serves `url` with `h` on an engine made elsewhere (alongside coroutine handlers, say):
/// on_open/on_traffic/on_close for streams, on_traffic for udp://. on_boot, on_tick and
/// on_shutdown are then the engine owner's to call (event_engine does). Before or while the
/// engine runs; `h` must outlive the engine. Any thread.
listener_info serve_events(engine& e, std::string_view url, event_handler& h);
/// The same for a tls:// address (handshakes finish before on_open).
listener_info serve_events(engine& e, std::string_view url, event_handler& h,
                           const tls_options& tls);

/// gnet's Client.Dial: connects to `url` (as corio::dial, which throws on failure) and drives
/// the connection through `h` on its loop (on_open, on_traffic..., on_close), returning once
/// it is connected. The engine must be running; `h` must outlive the connection.
task<> dial_events(engine& e, std::string url, event_handler& h, dial_options opts);
/// dial_events() with default dial options.
task<> dial_events(engine& e, std::string url, event_handler& h);

} // namespace corio
