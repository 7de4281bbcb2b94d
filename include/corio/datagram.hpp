// UDP on the engine's loops: one datagram_socket per loop (SO_REUSEPORT when there are
// several), each served by one handler coroutine that receives datagrams into a reused
// per-socket buffer and answers with send_to/reply. Shutdown and close are values, not throws.
#pragma once

#include <corio/config.hpp>

#include <corio/error.hpp>
#include <corio/task.hpp>

#include <boost/asio/basic_datagram_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace corio {

class loop;
class datagram_socket;
namespace detail {
class datagram_listener;
}

/// An IP address and port (IPv4 or IPv6) a datagram came from or goes to.
using udp_endpoint = boost::asio::ip::udp::endpoint;

/// Parses "udp://1.2.3.4:5", "udp4://...", "udp6://[::1]:5" into an endpoint. The host must be
/// an IP literal (no DNS lookup: this runs on loops). Throws std::invalid_argument.
udp_endpoint parse_udp_endpoint(std::string_view url);

/// One received datagram, or why receive() ended (then it tests false and error() says why).
/// The payload points into the socket's receive buffer: valid until the next receive() on that
/// socket. A zero-length datagram is a real datagram: it tests true with an empty payload.
class datagram {
public:
    /// No datagram: tests false, error() is errc::closed.
    datagram() noexcept : error_(errc::closed) {}
    datagram(std::string_view payload, const udp_endpoint& sender) noexcept
        : payload_(payload), sender_(sender) {}
    explicit datagram(std::error_code why) noexcept : error_(why) {}

    explicit operator bool() const noexcept { return !error_; }
    std::string_view payload() const noexcept { return payload_; }
    std::size_t size() const noexcept { return payload_.size(); }
    const udp_endpoint& sender() const noexcept { return sender_; }
    /// "127.0.0.1:5000" or "[::1]:5000" (IPv4-mapped senders on dual-stack sockets are shown
    /// as IPv4); empty when there is no datagram. Allocates: not for the hot path.
    std::string sender_address() const;
    /// errc::shutting_down, errc::closed or a system error when receive() ended; else empty.
    std::error_code error() const noexcept { return error_; }

private:
    std::string_view payload_;
    udp_endpoint sender_;
    std::error_code error_;
};

/// Per-socket limits, filled from engine options.
struct datagram_limits {
    /// Largest datagram payload accepted; larger ones are dropped and counted.
    std::size_t max_datagram_size = 65507;
};

/// A bound UDP socket owned by one loop. All calls belong on that loop's thread (inside its
/// handler), except the counters, which any thread may read. One receive() at a time; sends
/// may overlap a pending receive().
class datagram_socket {
public:
    using socket_type = boost::asio::basic_datagram_socket<boost::asio::ip::udp,
                                                           boost::asio::io_context::executor_type>;
    using executor_type = boost::asio::io_context::executor_type;

    /// Made by the engine (the socket is opened and bound by it); unopened until then.
    datagram_socket(corio::loop& owner, const datagram_limits& limits);
    ~datagram_socket();
    datagram_socket(const datagram_socket&) = delete;
    datagram_socket& operator=(const datagram_socket&) = delete;

    // ---- receiving --------------------------------------------------------------------

    /// The next datagram, waiting for one if none is queued. Datagrams over
    /// max_datagram_size are dropped (dropped_oversized()) and receive() goes on waiting.
    /// ICMP-reported errors (refused, unreachable) do not end it either. When the engine
    /// stops it returns errc::shutting_down at once (datagrams still queued are left), after
    /// close() or a forced close errc::closed; sends keep working while shutting down.
    task<datagram> receive();

    // ---- sending ----------------------------------------------------------------------

    /// Sends one datagram without suspending. Returns std::errc::operation_would_block when
    /// the socket's send buffer is full (nothing sent), errc::closed after close, or the
    /// system error (e.g. message_size for a payload the kernel refuses).
    std::error_code try_send_to(std::string_view payload, const udp_endpoint& to) noexcept;
    /// Sends one datagram, waiting for writability while the send buffer is full.
    task<std::error_code> send_to(std::string_view payload, const udp_endpoint& to);
    /// Convenience: parses `url` ("udp://127.0.0.1:9001"; IP literal hosts only) on each call.
    /// A bad URL is std::errc::invalid_argument, not an exception.
    task<std::error_code> send_to(std::string_view payload, std::string_view url);
    /// Sends to the sender of `to` (payload may be to.payload() itself).
    task<std::error_code> reply(const datagram& to, std::string_view payload) {
        return send_to(payload, to.sender());
    }

    // ---- multicast --------------------------------------------------------------------

    /// Joins a multicast group ("239.1.2.3", "ff02::1:3"). For IPv4 `interface_address` is the
    /// address of the local interface to join on (empty: the kernel's choice); for IPv6 it is
    /// an interface name or index (empty: the default). Only sockets that joined a group get
    /// its datagrams (IP_MULTICAST_ALL is off), so one loop's socket joining means each group
    /// datagram is handled once. Returns the error instead of throwing.
    std::error_code join_multicast(std::string_view group, std::string_view interface_address = {});
    /// Leaves a group joined with the same arguments.
    std::error_code leave_multicast(std::string_view group,
                                    std::string_view interface_address = {});

    // ---- ending -----------------------------------------------------------------------

    /// Closes the socket: a waiting receive() returns errc::closed, sends fail. Idempotent.
    void close() noexcept;
    bool is_open() const noexcept { return socket_.is_open() && !closed_; }
    /// True once the engine began stopping.
    bool shutting_down() const noexcept { return shutting_down_; }

    // ---- identity and counters --------------------------------------------------------

    corio::loop& owner() noexcept { return loop_; }
    /// The owning loop's position in the engine (owner().index()).
    std::size_t loop_index() const noexcept;
    executor_type get_executor() noexcept;
    udp_endpoint local_endpoint() const;
    /// "127.0.0.1:9001" or "[::1]:9001"; empty if unbound.
    std::string local_address() const;
    socket_type& socket() noexcept { return socket_; }
    std::size_t max_datagram_size() const noexcept { return limits_.max_datagram_size; }

    /// Datagrams returned by receive().
    std::uint64_t received() const noexcept { return received_.load(std::memory_order_relaxed); }
    /// Datagrams dropped for being larger than max_datagram_size.
    std::uint64_t dropped_oversized() const noexcept {
        return dropped_oversized_.load(std::memory_order_relaxed);
    }
    /// Datagrams the kernel accepted from send_to/try_send_to/reply.
    std::uint64_t sent() const noexcept { return sent_.load(std::memory_order_relaxed); }

private:
    friend class detail::datagram_listener;

    // Engine hook (loop thread): wakes a waiting receive() with errc::shutting_down.
    void begin_shutdown() noexcept;
    std::error_code change_membership(bool join, std::string_view group,
                                      std::string_view interface_address);

    static void bump(std::atomic<std::uint64_t>& counter) noexcept {
        // One writer (the loop thread): a plain load and store, no locked instruction.
        counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    corio::loop& loop_;
    socket_type socket_;
    datagram_limits limits_;
    std::unique_ptr<char[]> buffer_; // max_datagram_size + 1 bytes, reused for every receive
    udp_endpoint sender_;
    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::uint64_t> dropped_oversized_{0};
    std::atomic<std::uint64_t> sent_{0};
    unsigned streak_ = 0; // datagrams received without suspending; see receive()
    bool shutting_down_ = false;
    bool closed_ = false;
};

/// A datagram handler: runs once per loop socket for the socket's life. When it returns (or
/// throws, which is logged) that socket closes; the engine waits for it on stop.
using datagram_handler = std::function<task<>(datagram_socket&)>;

} // namespace corio
