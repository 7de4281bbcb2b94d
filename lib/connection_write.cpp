// Where bytes leave a connection: write/writev append to the elastic outbound buffer, one
// send or sendmsg per attempt takes what the socket will, flush applies backpressure, and a
// background drain sends the rest once the socket is writable again.
#include <corio/connection.hpp>
#include <corio/loop.hpp>

#include "connection_hop.hpp"
#include "error_convert.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>

namespace corio {
namespace asio = boost::asio;
using detail::to_std;

namespace {

// One sendmsg takes at most this many pieces; the rest go on the next call.
constexpr int max_iovecs = 256;

// One non-blocking send of `pieces` buffers, retried after EINTR: bytes taken, or -1 with
// errno. A single piece goes with send: no msghdr and iovec import in the kernel.
ssize_t send_pieces(int fd, const iovec* iov, int pieces) noexcept {
    for (;;) {
        ssize_t n;
        if (pieces == 1) {
            n = ::send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        } else {
            msghdr msg{};
            msg.msg_iov = const_cast<iovec*>(iov);
            msg.msg_iovlen = static_cast<std::size_t>(pieces);
            n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        if (n >= 0 || errno != EINTR) return n;
    }
}

} // namespace

bool connection::write(std::string_view data) {
    if (write_error_ || closed_ || write_shut_) return false;
    if (!on_own_loop()) {
        async_write(std::string(data));
        return true;
    }
    if (!outbound_.write(data)) {
        fail_write(errc::buffer_full);
        return false;
    }
    return true;
}

bool connection::writev(std::initializer_list<std::string_view> pieces) {
    if (write_error_ || closed_ || write_shut_) return false;
    std::size_t total = 0;
    for (auto p : pieces) total += p.size();
    if (!on_own_loop()) {
        std::string joined;
        joined.reserve(total);
        for (auto p : pieces) joined += p;
        async_write(std::move(joined));
        return true;
    }
    if (total > outbound_.max_size() - outbound_.size()) {
        fail_write(errc::buffer_full);
        return false;
    }
    for (auto p : pieces) outbound_.write(p);
    return true;
}

void connection::flush_soon() {
    if (!on_own_loop()) {
        asio::post(loop_.get_executor(), [self = shared_from_this()] { self->flush_soon(); });
        return;
    }
    if (flush_queued_ || closed_ || outbound_.empty()) return;
    flush_queued_ = true;
    loop_.defer_flush(shared_from_this());
}

// Sends until the outbound buffer is empty (true) or the socket is full or failed (false).
bool connection::send_some() {
    while (!outbound_.empty()) {
        if (write_error_) return false;
        std::array<iovec, max_iovecs> iov;
        ssize_t n = send_pieces(socket_.native_handle(), iov.data(),
                                outbound_.iovecs(iov.data(), max_iovecs));
        if (n >= 0) {
            outbound_.consume(static_cast<std::size_t>(n));
            touch();
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
        fail_write({errno, std::system_category()});
        outbound_.consume(outbound_.size());
        return false;
    }
    if (write_shutdown_pending_) {
        write_shutdown_pending_ = false;
        boost::system::error_code ignored;
        socket_.shutdown(socket_type::shutdown_send, ignored);
    }
    return true;
}

// Sends what the socket takes now and leaves the rest to the background drain.
void connection::send_or_arm_drain() {
    if (tls_) {
        tls_start_writer();
        return;
    }
    if (!send_some() && !write_error_) arm_drain();
}

// Drains the backlog in the background once the socket is writable again.
void connection::arm_drain() {
    if (drain_armed_ || closed_) return;
    drain_armed_ = true;
    socket_.async_wait(socket_type::wait_write,
                       [self = shared_from_this()](boost::system::error_code ec) {
                           self->drain_armed_ = false;
                           if (ec == asio::error::operation_aborted && !self->closed_) {
                               self->arm_drain(); // woken by cancel_read, not by writability
                               return;
                           }
                           if (ec) {
                               if (ec != asio::error::operation_aborted)
                                   self->fail_write(to_std(ec));
                               return;
                           }
                           self->send_or_arm_drain();
                       });
}

task<std::error_code> connection::flush() {
    if (!on_own_loop()) return on_owner([this] { return flush(); });
    if (tls_) return tls_send_until(limits_.outbound_high_water);
    return send_until(limits_.outbound_high_water);
}

namespace {

task<std::error_code> ready(std::error_code ec) {
    co_return ec;
}

} // namespace

task<std::error_code> connection::flush(std::string_view data) {
    if (on_own_loop() && !tls_ && outbound_.empty()) return send_through(data);
    if (!write(data)) return ready(write_error_ ? write_error_ : std::error_code(errc::closed));
    return flush();
}

// flush(data) with nothing buffered ahead of data: data goes to the kernel from where it is,
// and only what the socket did not take is copied into the outbound buffer (gnet's Write).
task<std::error_code> connection::send_through(std::string_view data) {
    if (write_error_) co_return write_error_;
    if (closed_ || write_shut_) co_return std::error_code(errc::closed);
    while (!data.empty()) {
        iovec piece{const_cast<char*>(data.data()), data.size()};
        ssize_t n = send_pieces(socket_.native_handle(), &piece, 1);
        if (n >= 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            touch();
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        fail_write({errno, std::system_category()});
        co_return write_error_;
    }
    if (data.empty()) co_return std::error_code{};
    if (!outbound_.write(data)) {
        fail_write(errc::buffer_full);
        co_return write_error_;
    }
    co_return co_await send_until(limits_.outbound_high_water);
}

// Sends until the backlog is at most `limit` bytes (waiting for writability while it is
// over), then leaves any rest to the background drain. flush() and close() differ only in
// the limit.
task<std::error_code> connection::send_until(std::size_t limit) {
    for (;;) {
        if (write_error_) co_return write_error_;
        if (closed_) co_return std::error_code(errc::closed);
        if (send_some()) co_return std::error_code{};
        if (write_error_) co_return write_error_;
        if (outbound_.size() <= limit) {
            arm_drain();
            co_return std::error_code{};
        }
        auto [ec] = co_await socket_.async_wait(socket_type::wait_write,
                                                asio::as_tuple(asio::use_awaitable));
        if (ec && ec != asio::error::operation_aborted) fail_write(to_std(ec));
    }
}

void connection::async_write(std::string data, std::function<void(std::error_code)> done) {
    asio::post(loop_.get_executor(), [self = shared_from_this(), data = std::move(data),
                                      done = std::move(done)]() mutable {
        std::error_code ec;
        if (!self->write(data)) {
            ec = self->write_error_ ? self->write_error_ : std::error_code(errc::closed);
        } else {
            self->send_or_arm_drain();
            ec = self->write_error_;
        }
        if (done) done(ec);
    });
}

} // namespace corio
