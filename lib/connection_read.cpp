// Where bytes enter a connection: non-blocking reads into the elastic inbound ring, the
// awaitable read/peek/next/read_until, and how a read waits for the socket.
#include <corio/connection.hpp>
#include <corio/loop.hpp>

#include "connection_hop.hpp"
#include "error_convert.hpp"
#include "tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
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

// Waits on the watch before a quiet connection tries a yield and recv again (a wasted recv
// if the loop is still quiet: one in this many).
constexpr std::uint8_t quiet_waits_to_retry = 16;

// On Asio's io_uring backend a watch per message (a ring poll each) halved the throughput of
// 100 x 4 KiB echo (perf/RESULTS.md): there a quiet connection keeps yielding.
#if defined(BOOST_ASIO_HAS_IO_URING)
constexpr bool watch_when_quiet = false;
#else
constexpr bool watch_when_quiet = true;
#endif

} // namespace

// A read timeout (or a done context) ends one read, not the connection: the next read
// starts without that error.
void connection::clear_interrupted_read() noexcept {
    if (!read_timed_out_) return;
    read_timed_out_ = false;
    if (error_ == errc::timed_out || error_ == errc::canceled || error_ == errc::deadline_exceeded)
        error_.clear();
}

// Reads until the socket would block or the free space is full. False on EOF or error.
bool connection::read_nonblocking() {
    watch_fired_ = false;
    inbound_.rewind(); // a pipelined batch's unconsumed rest goes to the front: no wrap
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
            if (!maybe_readable_) {
                // Drained: from here on no readiness event may be lost.
                if (prefer_watch_) arm_read_watch();
                return true;
            }
            continue;
        }
        if (n == 0) {
            maybe_readable_ = false;
            fail_read(errc::eof);
            return false;
        }
        if (errno == EINTR) continue;
        maybe_readable_ = false;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (prefer_watch_) arm_read_watch();
            return true;
        }
        fail_read({errno, std::system_category()});
        return false;
    }
}

// Reads until at least `want` bytes are buffered. False (with error_ set) if the stream
// ends or fails first. The wait is inline here rather than in its own coroutine: every
// nested awaitable costs a frame and a resume per message.
//
// Without buffer memory (a fresh or parked connection) it waits with a one-byte MSG_PEEK, so
// an idle connection holds no buffer. Otherwise it reads straight into the ring's free space
// with its own non-blocking recv, never a recv that is bound to find nothing: Asio's
// async_read_some tries one at once, and a handler that has just sent its reply reads again
// microseconds later, before the peer can have answered (one wasted EAGAIN per message).
// Two ways, chosen per connection by what the last read saw:
// - busy loop (the default): yield to the loop once, then recv; the peer has usually answered
//   by then, and the message costs one post and one recv, no readiness event.
// - quiet loop (the yield found nothing): the read watch, a readability wait queued the
//   moment a recv drains the socket, before the handler can do anything else; reads suspend
//   on it. A wait begun later could miss the edge-triggered event that the loop took while
//   nothing waited; the watch cannot. It costs a readiness event per message, which a busy
//   loop would rather not pay.
task<bytes> connection::gather(std::size_t want, std::size_t take, bool consume) {
    if (inbound_.empty()) inbound_.shrink(); // a safe point: no view into the ring is live
    clear_interrupted_read();
    bool drained_here = false; // a recv just found the socket drained, no suspension since
    bool yielded = false;      // the loop ran other work since the last recv or wait
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
        if (!tls_ && !peek_wait) {
            if (maybe_readable_ || watch_fired_) {
                read_nonblocking(); // on EOF or error, error_ is set: the checks above decide
                drained_here = !maybe_readable_;
                continue;
            }
            if (!watching_ && !drained_here) {
                if (!yielded) {
                    // This coroutine has probably just sent its answer: let the loop run its
                    // other ready work first (as Asio's posted write completion does for a
                    // stock Asio handler), so that the recv below usually finds the peer's
                    // next message instead of EAGAIN.
                    yielded = true;
                    co_await yield_to_loop();
                    continue; // anything may have happened meanwhile: check again
                }
                yielded = false;
                std::size_t before = inbound_.size();
                read_nonblocking();
                // Nothing yet even after the yield: the loop is not busy, so from now on a
                // drained socket gets the watch at once and reads wait on it, no recv tried.
                if (!error_ && inbound_.size() == before && watch_when_quiet) {
                    prefer_watch_ = true;
                    quiet_waits_ = 0;
                }
                drained_here = !maybe_readable_;
                continue;
            }
            // Drained just now, with no suspension since: no readiness event can have been
            // taken while nothing waited, so the watch is safe to wait on.
            arm_read_watch();
        }

        // A wake asked for while no read waited (lib/event_access.hpp) ends this one at once.
        if (cancel_reason_ == cancel_reason::wake) {
            cancel_reason_ = cancel_reason::none;
            co_return bytes{};
        }
        // The read timeout bounds the whole read call (its clock starts in start_read or
        // read_until), however many waits it takes: bytes trickling in do not extend it.
        if (limits_.read_timeout.count() > 0) schedule_check(read_started_ + limits_.read_timeout);
        if (read_deadline_passed()) co_return bytes{};
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
            // The watch is pending: wait for it to fire. Now and then a quiet connection
            // tries the yield again, to notice the loop getting busy.
            if (prefer_watch_) {
                if (quiet_waits_ + 1 >= quiet_waits_to_retry)
                    prefer_watch_ = false;
                else
                    ++quiet_waits_;
            }
            co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
                [this](read_waiter waiter) { read_waiter_.emplace(std::move(waiter)); },
                asio::use_awaitable);
            if (cancel_reason_ != cancel_reason::none) ec = asio::error::operation_aborted;
        }
        drained_here = false;
        reading_ = false;
        if (!ec) continue;
        if (ec != asio::error::operation_aborted) {
            fail_read(to_std(ec));
            continue; // error_ is set: the checks above decide
        }
        switch (std::exchange(cancel_reason_, cancel_reason::none)) {
        case cancel_reason::park:
            inbound_.trim(); // idle: give the block back, wait with a peek next time
            continue;
        case cancel_reason::timeout:
            read_timed_out_ = true;
            fail_read(errc::timed_out);
            co_return bytes{};
        case cancel_reason::context:
            fail_read_for_context();
            co_return bytes{};
        case cancel_reason::shutdown:
            continue; // reads what is already there, then reports shutting_down
        case cancel_reason::wake:
            co_return bytes{}; // empty with error() unset: the event adapter's wake()
        case cancel_reason::none:
            break;
        }
        fail_read(closed_ ? std::error_code(errc::closed) : to_std(ec));
        co_return bytes{};
    }
}

// A post of this coroutine's resumption straight onto the loop's io_context. It costs less
// than co_await asio::post(executor, use_awaitable): that one wraps the resumption in a
// work_dispatcher over the type-erased any_io_executor (a prefer, a work count, two executor
// copies), which callgrind shows as a tenth of corio-echo's user-space instructions.
asio::awaitable<void> connection::yield_to_loop() {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this](read_waiter waiter) {
            asio::post(loop_.get_executor(),
                       [waiter = std::move(waiter)]() mutable { std::move(waiter)(); });
        },
        asio::use_awaitable);
}

// Queues the read watch (a readability wait) unless it is queued already. Called whenever a
// recv leaves the socket drained, before the handler can do anything else.
void connection::arm_read_watch() {
    if (watching_ || tls_ || closed_) return;
    watching_ = true;
    socket_.async_wait(socket_type::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                           self->on_read_watch(ec);
                       });
}

void connection::on_read_watch(const boost::system::error_code&) {
    watching_ = false;
    // Also when aborted (a socket cancel woke a peek wait, or the socket closed): a recv
    // will tell whether there is data, an error or nothing.
    watch_fired_ = true;
    wake_reader();
}

// Resumes a read suspended on the watch, here and now (this runs as a completion handler).
void connection::wake_reader() noexcept {
    if (!read_waiter_) return;
    auto waiter = std::move(*read_waiter_);
    read_waiter_.reset();
    std::move(waiter)();
}

// Picks the coroutine for a read: a connection without buffer memory (new or parked) and
// nothing to read waits in wait_then_gather's small frame; gather's larger frame and the read
// block exist only once data is there. That is most of an idle connection's memory.
task<bytes> connection::start_read(std::size_t want, std::size_t take, bool consume) {
    if (limits_.read_timeout.count() > 0) read_started_ = clock::now();
    if (want > inbound_.max_size()) {
        fail_read(errc::buffer_full); // can never be satisfied: gather returns empty at once
        return gather(SIZE_MAX, 0, false);
    }
    if (inbound_.size() < want && inbound_.capacity() == 0 && !maybe_readable_ && !shutting_down_ &&
        !error_ && !closed_ && !read_timed_out_ && !tls_)
        return wait_then_gather(want, take, consume);
    return gather(want, take, consume);
}

task<bytes> connection::wait_then_gather(std::size_t want, std::size_t take, bool consume) {
    if (cancel_reason_ == cancel_reason::wake) { // see gather
        cancel_reason_ = cancel_reason::none;
        co_return bytes{};
    }
    if (limits_.read_timeout.count() > 0) schedule_check(read_started_ + limits_.read_timeout);
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
        case cancel_reason::context:
            fail_read_for_context();
            co_return bytes{};
        case cancel_reason::wake:
            co_return bytes{}; // see gather
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
    if (limits_.read_timeout.count() > 0) read_started_ = clock::now(); // one clock for the call
    std::size_t searched = 0; // bytes already known not to start a match
    for (;;) {
        std::string_view data = inbound_.linearize();
        if (data.size() >= delim.size()) {
            auto pos = data.find(delim, searched);
            if (pos != std::string_view::npos) co_return bytes(data.substr(0, pos + delim.size()));
            searched = data.size() - delim.size() + 1;
        }
        if (inbound_.size() >= inbound_.max_size()) {
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

} // namespace corio
