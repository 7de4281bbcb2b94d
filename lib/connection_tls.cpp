// The TLS side of a connection: the handshake, one writer coroutine that drains the outbound
// buffer through the SSL stream, flush/close waiting on its progress, and close_notify.
#include <corio/connection.hpp>
#include <corio/loop.hpp>

#include "error_convert.hpp"
#include "tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <sys/uio.h>

namespace corio {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using detail::to_std;

task<std::error_code> connection::tls_handshake(bool server, std::chrono::milliseconds timeout) {
    asio::steady_timer timer(loop_.get_executor());
    timer.expires_after(timeout);
    auto side = server ? asio::ssl::stream_base::server : asio::ssl::stream_base::client;
    auto result =
        co_await (tls_->stream.async_handshake(side, asio::as_tuple(asio::use_awaitable)) ||
                  timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (result.index() == 1) co_return std::error_code(errc::timed_out);
    auto [ec] = std::get<0>(result);
    if (ec) co_return ec == asio::error::eof ? std::error_code(errc::eof) : to_std(ec);
    tls_->established = true;
    touch();
    co_return std::error_code{};
}

void connection::tls_start_writer() {
    if (tls_->writing || outbound_.empty() || write_error_ || closed_) return;
    tls_->writing = true;
    asio::co_spawn(loop_.get_executor(), tls_write_loop(shared_from_this()), asio::detached);
}

// `self` keeps the connection alive while the writer runs.
task<> connection::tls_write_loop(std::shared_ptr<connection> self) {
    auto& t = *tls_;
    if (!t.staging) t.staging = std::make_unique<char[]>(detail::tls_session::staging_size);
    while (!outbound_.empty() && !write_error_ && !closed_) {
        std::array<iovec, 8> iov;
        int pieces = outbound_.iovecs(iov.data(), static_cast<int>(iov.size()));
        std::size_t copied = 0;
        for (int i = 0; i < pieces && copied < detail::tls_session::staging_size; ++i) {
            std::size_t n = std::min(iov[i].iov_len, detail::tls_session::staging_size - copied);
            std::memcpy(t.staging.get() + copied, iov[i].iov_base, n);
            copied += n;
        }
        outbound_.consume(copied);
        auto [ec, n] = co_await asio::async_write(t.stream, asio::buffer(t.staging.get(), copied),
                                                  asio::as_tuple(asio::use_awaitable));
        if (ec) {
            fail_write(to_std(ec));
            outbound_.consume(outbound_.size());
        } else {
            touch();
        }
        t.progress.cancel(); // wakes a flush or close waiting for room
    }
    t.writing = false;
    t.progress.cancel();
    (void)self;
}

// Like send_until: returns once the backlog is at most `limit` (0: all sent, nothing in
// flight), leaving the rest to the writer.
task<std::error_code> connection::tls_send_until(std::size_t limit) {
    auto self = shared_from_this();
    for (;;) {
        if (write_error_) co_return write_error_;
        if (closed_) co_return std::error_code(errc::closed);
        tls_start_writer();
        bool settled = limit == 0 ? outbound_.empty() && !tls_->writing : outbound_.size() <= limit;
        if (settled) co_return std::error_code{};
        tls_->progress.expires_at(asio::steady_timer::time_point::max());
        co_await tls_->progress.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

// Sends close_notify and gives the peer a moment to answer with its own; peers that just
// close (most) end it at once.
task<> connection::tls_close_notify() {
    asio::steady_timer timer(loop_.get_executor());
    timer.expires_after(std::min(limits_.close_timeout, std::chrono::milliseconds(1000)));
    co_await (tls_->stream.async_shutdown(asio::as_tuple(asio::use_awaitable)) ||
              timer.async_wait(asio::as_tuple(asio::use_awaitable)));
}

} // namespace corio
