// Connection: construction, identity, the failure state shared by reading and writing, and
// the end of a connection (close, shutdown, the engine's hooks). Where bytes enter:
// connection_read.cpp; where they leave: connection_write.cpp; timers:
// connection_deadlines.cpp; TLS: connection_tls.cpp.
#include <corio/connection.hpp>
#include <corio/loop.hpp>

#include "connection_hop.hpp"
#include "endpoint_format.hpp"
#include "error_convert.hpp"
#include "tls_context.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

namespace corio {
namespace asio = boost::asio;

namespace {

std::atomic<std::uint64_t> next_connection_id{1};

} // namespace

connection::connection(corio::loop& owner, socket_type socket, const connection_limits& limits)
    : loop_(owner),
      socket_(std::move(socket)), limits_{limits.outbound_high_water, limits.read_timeout,
                                          limits.idle_timeout, limits.close_timeout},
      id_(next_connection_id.fetch_add(1, std::memory_order_relaxed)),
      inbound_(&owner.read_pool(), limits.inbound_cap),
      outbound_(owner.pool(), limits.outbound_ring_threshold, limits.outbound_cap) {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
    // The idle timeout (limits_.idle_timeout) is armed by whoever made the connection, via
    // set_idle_timeout once it is owned by a shared_ptr: arming needs shared_from_this(),
    // which throws std::bad_weak_ptr inside the constructor.
    last_activity_ = clock::now();
    remember_peer();
}

connection::~connection() {
    close_socket();
}

connection::executor_type connection::get_executor() noexcept {
    return loop_.get_executor();
}

connection::endpoint connection::local_endpoint() const {
    boost::system::error_code ec;
    return socket_.local_endpoint(ec);
}

void connection::remember_peer() noexcept {
    boost::system::error_code ec;
    endpoint ep = socket_.remote_endpoint(ec);
    if (ec) return;
    if (ep.protocol().family() == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(ep.data());
        peer_.family = AF_INET;
        peer_.port = in->sin_port;
        std::memcpy(peer_.bytes, &in->sin_addr, sizeof in->sin_addr);
    } else if (ep.protocol().family() == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(ep.data());
        peer_.family = AF_INET6;
        peer_.port = in6->sin6_port;
        peer_.scope_id = in6->sin6_scope_id;
        std::memcpy(peer_.bytes, &in6->sin6_addr, sizeof in6->sin6_addr);
    }
}

connection::endpoint connection::remote_endpoint() const {
    if (peer_.family == AF_INET) {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = peer_.port;
        std::memcpy(&in.sin_addr, peer_.bytes, sizeof in.sin_addr);
        return endpoint(&in, sizeof in, IPPROTO_TCP);
    }
    if (peer_.family == AF_INET6) {
        sockaddr_in6 in6{};
        in6.sin6_family = AF_INET6;
        in6.sin6_port = peer_.port;
        in6.sin6_scope_id = peer_.scope_id;
        std::memcpy(&in6.sin6_addr, peer_.bytes, sizeof in6.sin6_addr);
        return endpoint(&in6, sizeof in6, IPPROTO_TCP);
    }
    boost::system::error_code ec; // unix peers: as the socket says now
    return socket_.remote_endpoint(ec);
}

std::string connection::local_address() const {
    return detail::format_endpoint(local_endpoint());
}
std::string connection::remote_address() const {
    return detail::format_endpoint(remote_endpoint());
}

std::string connection::alpn_protocol() const {
    if (!tls_) return {};
    const unsigned char* name = nullptr;
    unsigned int len = 0;
    ::SSL_get0_alpn_selected(const_cast<detail::tls_session&>(*tls_).stream.native_handle(), &name,
                             &len);
    return name ? std::string(reinterpret_cast<const char*>(name), len) : std::string();
}

bool connection::on_own_loop() const noexcept {
    return loop_.running_in_this_thread();
}

// ---- failure state, shared by reading and writing -------------------------------------

void connection::fail_read(std::error_code ec) noexcept {
    if (!error_) error_ = ec;
    // A broken transport (a reset, a TLS failure: anything but corio's own errc values such as
    // EOF, a timeout or a cap) breaks both directions: write() says so from now on, as its
    // contract promises, instead of only the next flush().
    if (ec.category() != error_category() && !write_error_) write_error_ = ec;
}

void connection::fail_write(std::error_code ec) noexcept {
    if (!write_error_) write_error_ = ec;
    // A connection that cannot write is done: wake a reader so the handler can finish.
    if (ec != errc::eof) fail_read(ec);
    cancel_read(cancel_reason::none);
}

void connection::touch() noexcept {
    active_generation_ = loop_.sweep_generation_;
    if (limits_.idle_timeout.count() > 0) last_activity_ = clock::now();
}

// ---- ending ---------------------------------------------------------------------------

void connection::shutdown_write() {
    if (closed_) return;
    if (!on_own_loop()) {
        loop_.post([self = shared_from_this()] { self->shutdown_write(); });
        return;
    }
    write_shut_ = true;
    if (tls_) return; // see the header: close() sends close_notify
    write_shutdown_pending_ = true;
    send_or_arm_drain();
}

task<> connection::close() {
    if (!on_own_loop()) return on_owner([this] { return close_here(); });
    return close_here();
}

task<> connection::close_here() {
    if (closed_) co_return;
    const bool backlog = !outbound_.empty() || (tls_ && tls_->writing);
    if ((backlog || (tls_ && tls_->established)) && !write_error_) {
        auto when = clock::now() + limits_.close_timeout;
        deadlines().close = when;
        schedule_check(when);
        // Everything, or an error, or the close deadline (which closes the socket).
        if (tls_) {
            co_await tls_send_until(0);
            if (!write_error_ && !closed_) co_await tls_close_notify();
        } else {
            co_await send_until(0);
        }
    }
    close_socket();
}

void connection::close_socket() noexcept {
    closed_ = true;
    if (deadlines_) deadlines_->timer.cancel();
    boost::system::error_code ignored;
    if (socket_.is_open()) {
        socket_.shutdown(socket_type::shutdown_both, ignored);
        socket_.close(ignored);
    }
}

// Wakes a waiting read. A read suspended on the read watch is resumed through a post, not
// from inside the caller (a sweep over the loop's list, a deadline): the handler may end its
// connection once it runs. Otherwise socket cancel() aborts the read's wait; it also aborts
// writability waits and the watch, and those re-arm or count as "maybe readable" (flush,
// close and the background drain all treat operation_aborted on an open socket as "again").
// It is cheaper than binding a cancellation slot to every read.
void connection::cancel_read(cancel_reason why) noexcept {
    if (!reading_) return;
    cancel_reason_ = why;
    if (tls_) {
        tls_->read_cancel.emit(asio::cancellation_type::terminal);
        return;
    }
    if (read_waiter_) {
        asio::post(loop_.get_executor(), std::move(*read_waiter_));
        read_waiter_.reset();
        return;
    }
    boost::system::error_code ignored;
    socket_.cancel(ignored);
}

void connection::begin_shutdown() noexcept {
    shutting_down_ = true;
    cancel_read(cancel_reason::shutdown);
}

void connection::force_close() noexcept {
    fail_read(errc::closed);
    if (!write_error_) write_error_ = errc::closed;
    outbound_.consume(outbound_.size());
    close_socket(); // aborts every pending operation
}

void connection::park_if_idle(std::uint32_t generation) noexcept {
    // Idle for a whole sweep period while waiting with a buffer: give the buffer back.
    // TLS keeps its buffer: OpenSSL's own buffers dwarf it, and its reads are not restarted.
    if (reading_ && !tls_ && active_generation_ < generation && inbound_.empty() &&
        inbound_.capacity() != 0)
        cancel_read(cancel_reason::park);
}

} // namespace corio
