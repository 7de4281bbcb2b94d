// Connection: reads into the elastic inbound ring, writes from the elastic outbound buffer
// with one sendmsg per attempt, deadlines on one lazily made timer per connection.
#include <corio/connection.hpp>
#include <corio/loop.hpp>

#include "endpoint_format.hpp"
#include "error_convert.hpp"
#include "tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace corio {
namespace asio = boost::asio;

namespace {

std::atomic<std::uint64_t> next_connection_id{1};

// One sendmsg takes at most this many pieces; the rest go on the next call.
constexpr int max_iovecs = 256;

using detail::to_std;

} // namespace

connection::connection(corio::loop& owner, socket_type socket, const connection_limits& limits)
    : loop_(owner), socket_(std::move(socket)), limits_(limits),
      id_(next_connection_id.fetch_add(1, std::memory_order_relaxed)),
      inbound_(&owner.read_pool(), limits.inbound_cap),
      outbound_(owner.pool(), limits.outbound_ring_threshold, limits.outbound_cap) {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
    // The idle timeout (limits_.idle_timeout) is armed by whoever made the connection, via
    // set_idle_timeout once it is owned by a shared_ptr: arming needs shared_from_this(),
    // which throws std::bad_weak_ptr inside the constructor.
    last_activity_ = clock::now();
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

connection::endpoint connection::remote_endpoint() const {
    boost::system::error_code ec;
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

// ---- the owning loop ------------------------------------------------------------------

bool connection::on_own_loop() const noexcept {
    return loop_.running_in_this_thread();
}

// Starts make_op() on the owning loop (its checks included) and resumes the caller on its
// own executor.
template <class F>
auto connection::on_owner(F make_op) {
    return asio::co_spawn(loop_.get_executor(), std::move(make_op), asio::use_awaitable);
}

// ---- reading --------------------------------------------------------------------------

void connection::fail_read(std::error_code ec) noexcept {
    if (!error_) error_ = ec;
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

// Reads until the socket would block or the free space is full. False on EOF or error.
bool connection::read_nonblocking() {
    for (;;) {
        auto spans = inbound_.writable();
        std::array<iovec, 2> iov{
            {{spans[0].data(), spans[0].size()}, {spans[1].data(), spans[1].size()}}};
        std::size_t room = spans[0].size() + spans[1].size();
        if (room == 0) return true;
        // One piece (the usual case: the ring rewinds when emptied) takes plain recv, which
        // the kernel serves cheaper than readv's iovec import.
        ssize_t n = spans[1].empty()
                        ? ::recv(socket_.native_handle(), spans[0].data(), spans[0].size(), 0)
                        : ::readv(socket_.native_handle(), iov.data(), 2);
        if (n > 0) {
            inbound_.commit(static_cast<std::size_t>(n));
            touch();
            maybe_readable_ = static_cast<std::size_t>(n) == room;
            if (!maybe_readable_) return true;
            continue;
        }
        if (n == 0) {
            maybe_readable_ = false;
            fail_read(errc::eof);
            return false;
        }
        if (errno == EINTR) continue;
        maybe_readable_ = false;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        fail_read({errno, std::system_category()});
        return false;
    }
}

// Reads until at least `want` bytes are buffered. False (with error_ set) if the stream
// ends or fails first. The wait is inline here rather than in its own coroutine: every
// nested awaitable costs a frame and a resume per message.
//
// Without buffer memory (a fresh or parked connection) it waits with a one-byte MSG_PEEK, so
// an idle connection holds no buffer; otherwise it reads straight into the ring's free space
// (Asio tries the read first and only then waits for readiness).
task<bytes> connection::gather(std::size_t want, std::size_t take, bool consume) {
    if (inbound_.empty()) inbound_.shrink(); // a safe point: no view into the ring is live
    if (read_timed_out_) {
        // A read timeout ends one read, not the connection.
        read_timed_out_ = false;
        if (error_ == errc::timed_out) error_.clear();
    }
    bool restart_read_clock = true; // false after a park: that wait is the same read
    for (;;) {
        if (inbound_.size() >= want) {
            bytes view(inbound_.linearize().substr(0, take));
            if (consume) inbound_.consume(view.size());
            co_return view;
        }
        if (error_) co_return bytes{};
        if (closed_) {
            fail_read(errc::closed);
            co_return bytes{};
        }
        // After a read that filled the buffer there may be more: Asio's async_read_some tries
        // a read at once in that case, so only shutdown reads by hand here.
        const bool urgent = shutting_down_;
        // TLS cannot peek: OpenSSL may already hold decrypted bytes the socket no longer has.
        const bool peek_wait = !tls_ && !urgent && !maybe_readable_ && inbound_.capacity() == 0;
        std::size_t need = want - inbound_.size();
        if (!peek_wait && inbound_.available() < need && !inbound_.reserve(need)) {
            fail_read(errc::buffer_full);
            co_return bytes{};
        }
        if (urgent && tls_) {
            fail_read(errc::shutting_down); // no non-blocking TLS read: report at once
            co_return bytes{};
        }
        if (urgent) {
            std::size_t before = inbound_.size();
            if (!read_nonblocking()) continue; // error_ is set: the checks above decide
            if (inbound_.size() > before) continue;
            if (shutting_down_) {
                fail_read(errc::shutting_down);
                co_return bytes{};
            }
        }

        if (limits_.read_timeout.count() > 0) {
            if (restart_read_clock) read_started_ = clock::now();
            schedule_check(read_started_ + limits_.read_timeout);
        }
        if (read_deadline_passed()) co_return bytes{};
        restart_read_clock = true;
        reading_ = true;
        cancel_reason_ = cancel_reason::none;
        boost::system::error_code ec;
        std::size_t n = 0;
        if (peek_wait) {
            std::tie(ec, n) = co_await socket_.async_receive(asio::buffer(&peek_byte_, 1),
                                                             socket_type::message_peek,
                                                             asio::as_tuple(asio::use_awaitable));
            if (!ec) maybe_readable_ = true;
        } else if (tls_) {
            auto spans = inbound_.writable();
            // Bound to its own cancellation signal: cancelling the socket would also abort a
            // TLS write in flight, and a half-written record cannot be resumed.
            std::tie(ec, n) = co_await tls_->stream.async_read_some(
                asio::buffer(spans[0].data(), spans[0].size()),
                asio::bind_cancellation_slot(tls_->read_cancel.slot(),
                                             asio::as_tuple(asio::use_awaitable)));
            if (!ec) {
                inbound_.commit(n);
                touch();
            }
        } else {
            auto spans = inbound_.writable();
            if (spans[1].empty()) {
                // Asio reads a single buffer with recv rather than recvmsg: cheaper per call.
                std::tie(ec, n) =
                    co_await socket_.async_read_some(asio::buffer(spans[0].data(), spans[0].size()),
                                                     asio::as_tuple(asio::use_awaitable));
            } else {
                std::array<asio::mutable_buffer, 2> bufs{
                    asio::buffer(spans[0].data(), spans[0].size()),
                    asio::buffer(spans[1].data(), spans[1].size())};
                std::tie(ec, n) =
                    co_await socket_.async_read_some(bufs, asio::as_tuple(asio::use_awaitable));
            }
            if (!ec) {
                inbound_.commit(n);
                touch();
                maybe_readable_ = n == spans[0].size() + spans[1].size();
            }
        }
        reading_ = false;
        if (!ec) continue;
        if (ec != asio::error::operation_aborted) {
            fail_read(to_std(ec));
            continue; // error_ is set: the checks above decide
        }
        switch (std::exchange(cancel_reason_, cancel_reason::none)) {
        case cancel_reason::park:
            inbound_.trim();            // idle: give the block back, wait with a peek next time
            restart_read_clock = false; // parking is invisible: the read timeout keeps running
            continue;
        case cancel_reason::timeout:
            read_timed_out_ = true;
            fail_read(errc::timed_out);
            co_return bytes{};
        case cancel_reason::shutdown:
            continue; // reads what is already there, then reports shutting_down
        case cancel_reason::none:
            break;
        }
        fail_read(closed_ ? std::error_code(errc::closed) : to_std(ec));
        co_return bytes{};
    }
}

// Picks the coroutine for a read: a connection without buffer memory (new or parked) and
// nothing to read waits in wait_then_gather's small frame; gather's larger frame and the read
// block exist only once data is there. That is most of an idle connection's memory.
task<bytes> connection::start_read(std::size_t want, std::size_t take, bool consume) {
    if (want > limits_.inbound_cap) {
        fail_read(errc::buffer_full); // can never be satisfied: gather returns empty at once
        return gather(SIZE_MAX, 0, false);
    }
    if (inbound_.size() < want && inbound_.capacity() == 0 && !maybe_readable_ && !shutting_down_ &&
        !error_ && !closed_ && !read_timed_out_ && !tls_)
        return wait_then_gather(want, take, consume);
    return gather(want, take, consume);
}

task<bytes> connection::wait_then_gather(std::size_t want, std::size_t take, bool consume) {
    if (limits_.read_timeout.count() > 0) {
        read_started_ = clock::now();
        schedule_check(read_started_ + limits_.read_timeout);
    }
    if (read_deadline_passed()) co_return bytes{};
    reading_ = true;
    cancel_reason_ = cancel_reason::none;
    auto [ec, n] =
        co_await socket_.async_receive(asio::buffer(&peek_byte_, 1), socket_type::message_peek,
                                       asio::as_tuple(asio::use_awaitable));
    reading_ = false;
    (void)n;
    if (!ec) {
        maybe_readable_ = true;
    } else if (ec == asio::error::operation_aborted) {
        switch (std::exchange(cancel_reason_, cancel_reason::none)) {
        case cancel_reason::timeout:
            read_timed_out_ = true;
            fail_read(errc::timed_out);
            co_return bytes{};
        case cancel_reason::shutdown:
        case cancel_reason::park:
            break; // gather reads what is there, then reports shutting_down
        case cancel_reason::none:
            fail_read(closed_ ? std::error_code(errc::closed) : to_std(ec));
            break;
        }
    } else {
        fail_read(to_std(ec));
    }
    co_return co_await gather(want, take, consume);
}

task<bytes> connection::read() {
    if (!on_own_loop())
        return on_owner([this] { return start_read(1, std::string_view::npos, false); });
    return start_read(1, std::string_view::npos, false);
}

task<bytes> connection::peek(std::size_t n) {
    if (!on_own_loop()) return on_owner([this, n] { return start_read(n, n, false); });
    return start_read(n, n, false);
}

task<bytes> connection::next(std::size_t n) {
    if (!on_own_loop()) return on_owner([this, n] { return start_read(n, n, true); });
    return start_read(n, n, true);
}

task<bytes> connection::read_until(std::string_view delim) {
    if (!on_own_loop()) return on_owner([this, delim] { return read_until_here(delim); });
    return read_until_here(delim);
}

task<bytes> connection::read_until_here(std::string_view delim) {
    if (delim.empty()) co_return bytes{};
    std::size_t searched = 0; // bytes already known not to start a match
    for (;;) {
        std::string_view data = inbound_.linearize();
        if (data.size() >= delim.size()) {
            auto pos = data.find(delim, searched);
            if (pos != std::string_view::npos) co_return bytes(data.substr(0, pos + delim.size()));
            searched = data.size() - delim.size() + 1;
        }
        if (inbound_.size() >= limits_.inbound_cap) {
            fail_read(errc::buffer_full);
            co_return bytes{};
        }
        std::size_t had = inbound_.size();
        co_await gather(had + 1, 0, false);
        if (inbound_.size() <= had) co_return bytes{}; // ended or failed: error() says why
    }
}

void connection::discard(std::size_t n) noexcept {
    if (!on_own_loop()) {
        // Posted, so it lands before any read issued after it (those hop by posting too).
        loop_.post([self = shared_from_this(), n] { self->inbound_.consume(n); });
        return;
    }
    inbound_.consume(n);
}

// ---- writing --------------------------------------------------------------------------

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

// Sends until the outbound buffer is empty (true) or the socket is full or failed (false).
bool connection::send_some() {
    while (!outbound_.empty()) {
        if (write_error_) return false;
        std::array<iovec, max_iovecs> iov;
        int pieces = outbound_.iovecs(iov.data(), max_iovecs);
        ssize_t n;
        if (pieces == 1) {
            // A single piece goes with send: no msghdr and iovec import in the kernel.
            n = ::send(socket_.native_handle(), iov[0].iov_base, iov[0].iov_len,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
        } else {
            msghdr msg{};
            msg.msg_iov = iov.data();
            msg.msg_iovlen = static_cast<std::size_t>(pieces);
            n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        if (n >= 0) {
            outbound_.consume(static_cast<std::size_t>(n));
            touch();
            continue;
        }
        if (errno == EINTR) continue;
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
        close_deadline_ = clock::now() + limits_.close_timeout;
        schedule_check(close_deadline_);
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
    if (deadline_timer_) deadline_timer_->cancel();
    boost::system::error_code ignored;
    if (socket_.is_open()) {
        socket_.shutdown(socket_type::shutdown_both, ignored);
        socket_.close(ignored);
    }
}

// Wakes a waiting read. socket cancel() also aborts writability waits; those re-arm (flush,
// close and the background drain all treat operation_aborted on an open socket as "again").
// It is cheaper than binding a cancellation slot to every read.
void connection::cancel_read(cancel_reason why) noexcept {
    if (!reading_) return;
    cancel_reason_ = why;
    if (tls_) {
        tls_->read_cancel.emit(asio::cancellation_type::terminal);
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

void connection::park_if_idle(std::uint64_t generation) noexcept {
    // Idle for a whole sweep period while waiting with a buffer: give the buffer back.
    // TLS keeps its buffer: OpenSSL's own buffers dwarf it, and its reads are not restarted.
    if (reading_ && !tls_ && active_generation_ < generation && inbound_.empty() &&
        inbound_.capacity() != 0)
        cancel_read(cancel_reason::park);
}

// ---- deadlines --------------------------------------------------------------------------

// Before a read waits: true (and the read fails with timed_out) if the read deadline has
// passed; otherwise the deadline timer covers it.
bool connection::read_deadline_passed() {
    if (read_deadline_ == clock::time_point::max()) return false;
    if (clock::now() >= read_deadline_) {
        read_timed_out_ = true;
        fail_read(errc::timed_out);
        return true;
    }
    schedule_check(read_deadline_);
    return false;
}

void connection::set_read_deadline(clock::time_point when) {
    if (!on_own_loop()) {
        loop_.post([self = shared_from_this(), when] { self->set_read_deadline(when); });
        return;
    }
    read_deadline_ = when;
    if (reading_ && when != clock::time_point::max()) {
        if (clock::now() >= when)
            cancel_read(cancel_reason::timeout);
        else
            schedule_check(when);
    }
}

void connection::set_read_timeout(std::chrono::milliseconds timeout) {
    if (!on_own_loop()) {
        loop_.post([self = shared_from_this(), timeout] { self->set_read_timeout(timeout); });
        return;
    }
    limits_.read_timeout = timeout;
    if (reading_ && timeout.count() > 0) {
        read_started_ = clock::now();
        schedule_check(read_started_ + timeout);
    }
}

void connection::set_idle_timeout(std::chrono::milliseconds timeout) {
    if (!on_own_loop()) {
        loop_.post([self = shared_from_this(), timeout] { self->set_idle_timeout(timeout); });
        return;
    }
    limits_.idle_timeout = timeout;
    if (timeout.count() > 0) {
        last_activity_ = clock::now();
        schedule_check(last_activity_ + timeout);
    }
}

// One timer serves every deadline: it is armed for the earliest and re-evaluates on expiry,
// so the hot path only stores timestamps.
void connection::schedule_check(clock::time_point when) {
    if (closed_ || when >= deadline_armed_) return;
    if (!deadline_timer_)
        deadline_timer_ = std::make_unique<asio::steady_timer>(loop_.get_executor());
    deadline_armed_ = when;
    deadline_timer_->expires_at(when);
    deadline_timer_->async_wait([self = shared_from_this(), when](boost::system::error_code ec) {
        if (ec || self->deadline_armed_ != when) return;
        self->deadline_armed_ = clock::time_point::max();
        self->on_deadline();
    });
}

void connection::on_deadline() {
    if (closed_) return;
    auto now = clock::now();
    auto next = clock::time_point::max();
    if (close_deadline_ != clock::time_point::max()) {
        if (now >= close_deadline_) {
            fail_write(errc::timed_out);
            force_close();
            return;
        }
        next = std::min(next, close_deadline_);
    }
    if (limits_.idle_timeout.count() > 0) {
        auto due = last_activity_ + limits_.idle_timeout;
        if (now >= due) {
            fail_read(errc::timed_out);
            fail_write(errc::timed_out);
            force_close();
            return;
        }
        next = std::min(next, due);
    }
    if (reading_) {
        auto due = read_deadline_;
        if (limits_.read_timeout.count() > 0)
            due = std::min(due, read_started_ + limits_.read_timeout);
        if (now >= due)
            cancel_read(cancel_reason::timeout);
        else if (due != clock::time_point::max())
            next = std::min(next, due);
    }
    if (next != clock::time_point::max()) schedule_check(next);
}

} // namespace corio
