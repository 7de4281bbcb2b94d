// event_conn: gnet's Conn methods over a corio connection (or, for udp://, the datagram
// on_traffic is handling). Reads and writes act on the connection's own buffers; calls from
// other threads are posted to its loop. The coroutine that drives it: event_drive.cpp.
#include <corio/event_handler.hpp>
#include <corio/loop.hpp>

#include "event_access.hpp"

#include <functional>
#include <string>

namespace corio {

namespace {

// Runs `done` with `ec` on loop `l`, later (a callback never runs inside the call that asks
// for it, as with gnet's asynchronous calls).
void post_result(loop& l, event_conn::callback done, std::error_code ec) {
    if (!done) return;
    l.post([done = std::move(done), ec] { done(ec); });
}

std::string joined(std::span<const std::string_view> pieces) {
    std::size_t total = 0;
    for (auto p : pieces) total += p.size();
    std::string out;
    out.reserve(total);
    for (auto p : pieces) out += p;
    return out;
}

} // namespace

// ---- reading ----------------------------------------------------------------------------

std::string_view event_conn::unread() const noexcept {
    if (!datagram_) return {};
    return datagram_->payload().substr(datagram_read_);
}

std::size_t event_conn::inbound_buffered() const noexcept {
    if (udp_) return datagram_ ? datagram_->size() - datagram_read_ : 0;
    return conn_->inbound_buffered();
}

bytes event_conn::peek(std::ptrdiff_t n, std::error_code& ec) noexcept {
    ec.clear();
    const std::size_t have = inbound_buffered();
    const std::size_t want = n <= 0 ? have : static_cast<std::size_t>(n);
    if (want > have) {
        ec = event_errc::short_buffer;
        return {};
    }
    if (udp_) return bytes(unread().substr(0, want));
    std::string_view all = conn_->buffered(); // contiguous from here on: views do not move
    note_views(all);
    return bytes(all.substr(0, want));
}

bytes event_conn::peek(std::ptrdiff_t n) noexcept {
    std::error_code ignored;
    return peek(n, ignored);
}

bytes event_conn::next(std::ptrdiff_t n, std::error_code& ec) noexcept {
    bytes view = peek(n, ec);
    if (ec) return view;
    // Consuming moves no memory (buffer::ring::consume): the view stays readable.
    if (udp_)
        datagram_read_ += view.size();
    else
        conn_->discard(view.size());
    return view;
}

bytes event_conn::next(std::ptrdiff_t n) noexcept {
    std::error_code ignored;
    return next(n, ignored);
}

std::size_t event_conn::discard(std::ptrdiff_t n) noexcept {
    const std::size_t have = inbound_buffered();
    const std::size_t drop =
        n <= 0 || static_cast<std::size_t>(n) >= have ? have : static_cast<std::size_t>(n);
    if (udp_)
        datagram_read_ += drop;
    else
        conn_->discard(drop);
    return drop;
}

// Widens the span that this callback's views point into (reset by the driver before each
// callback). Views of one callback all lie in one contiguous run of the ring.
void event_conn::note_views(std::string_view all) noexcept {
    if (all.empty()) return;
    std::less<const char*> before;
    const char* begin = all.data();
    const char* end = all.data() + all.size();
    if (!views_begin_ || before(begin, views_begin_)) views_begin_ = begin;
    if (!views_end_ || before(views_end_, end)) views_end_ = end;
}

bool event_conn::views_hold(std::string_view data) const noexcept {
    if (data.empty() || !views_begin_) return false;
    std::less<const char*> before;
    return !before(data.data(), views_begin_) && !before(views_end_, data.data() + data.size());
}

// ---- writing ----------------------------------------------------------------------------

// Copies a deferred view into the outbound buffer, where later writes go after it.
bool event_conn::take_deferred() {
    if (deferred_.empty()) return true;
    return conn_->write(std::exchange(deferred_, {}));
}

bool event_conn::write(std::string_view data) {
    if (udp_) return !send_datagram(data);
    // gnet's echo (`c.Write(c.Next(-1))`) costs what a coroutine handler's flush(bytes)
    // does: the view is sent from the inbound buffer after the callback, and only what the
    // socket does not take is copied.
    if (deferred_.empty() && conn_->outbound_buffered() == 0 && views_hold(data)) {
        if (!event_access::can_write(*conn_)) return false;
        deferred_ = data;
        return true;
    }
    if (!take_deferred()) return false;
    return conn_->write(data);
}

bool event_conn::writev(std::initializer_list<std::string_view> pieces) {
    return writev(std::span<const std::string_view>(pieces.begin(), pieces.size()));
}

bool event_conn::writev(std::span<const std::string_view> pieces) {
    if (udp_) return !send_datagram(joined(pieces));
    if (!take_deferred()) return false;
    return event_access::writev(*conn_, pieces);
}

std::error_code event_conn::flush() {
    if (udp_) return {}; // datagrams leave at write()
    if (take_deferred() && conn_->outbound_buffered() != 0) event_access::send_now(*conn_);
    return event_access::write_error(*conn_);
}

std::size_t event_conn::outbound_buffered() const noexcept {
    if (udp_) {
        std::size_t n = 0;
        for (const auto& d : datagram_backlog_) n += d.first.size();
        return n;
    }
    return conn_->outbound_buffered() + deferred_.size();
}

// One datagram to the sender of the one being handled: at once if the socket takes it, else
// queued for the driver to send after on_traffic (in order behind any queued before).
std::error_code event_conn::send_datagram(std::string_view data) {
    if (!datagram_) return event_errc::unsupported; // outside on_traffic there is no sender
    if (datagram_backlog_.empty()) {
        std::error_code ec = udp_->try_send_to(data, datagram_->sender());
        if (ec != std::errc::operation_would_block) return ec;
    }
    datagram_backlog_.emplace_back(std::string(data), datagram_->sender());
    return {};
}

void event_conn::async_write(std::string data, callback done) {
    if (udp_) {
        // gnet sends UDP "asynchronous" writes at once; the sender is known on the loop only.
        std::error_code ec = event_errc::unsupported;
        if (udp_->owner().running_in_this_thread()) ec = send_datagram(data);
        post_result(udp_->owner(), std::move(done), ec);
        return;
    }
    conn_->async_write(std::move(data), std::move(done));
}

void event_conn::async_writev(std::vector<std::string> pieces, callback done) {
    if (udp_) {
        post_result(udp_->owner(), std::move(done), event_errc::unsupported);
        return;
    }
    std::size_t total = 0;
    for (const auto& p : pieces) total += p.size();
    std::string all;
    all.reserve(total);
    for (const auto& p : pieces) all += p;
    conn_->async_write(std::move(all), std::move(done));
}

// ---- control ----------------------------------------------------------------------------

// wake() and close() reach this object from other threads through a post to its loop. There,
// an open connection means the driver's frame, and this object in it, is alive: the driver
// closes the connection before its frame goes (event_drive.cpp, close_guard).
void event_conn::wake(callback done) {
    post_control(std::move(done), &event_conn::wake_pending_, &event_conn::wake_done_);
}

void event_conn::close(callback done) {
    post_control(std::move(done), &event_conn::close_requested_, &event_conn::close_done_);
}

// wake() and close(): on the loop, raise `flag`, keep `done` in `waiting` for the driver, and
// end the pending read so that the driver looks at the flags.
void event_conn::post_control(callback done, bool event_conn::*flag,
                              std::vector<callback> event_conn::*waiting) {
    if (udp_) {
        post_result(udp_->owner(), std::move(done), event_errc::unsupported);
        return;
    }
    auto self = conn_->shared_from_this();
    corio::loop& l = self->owner();
    l.post([self = std::move(self), me = this, done = std::move(done), flag, waiting]() mutable {
        if (!self->is_open()) {
            if (done) done(errc::closed);
            return;
        }
        me->*flag = true;
        if (done) (me->*waiting).push_back(std::move(done));
        event_access::wake_read(*self);
    });
}

// ---- identity ---------------------------------------------------------------------------

std::string event_conn::local_address() const {
    return udp_ ? udp_->local_address() : conn_->local_address();
}

std::string event_conn::remote_address() const {
    if (udp_) return datagram_ ? datagram_->sender_address() : std::string();
    return conn_->remote_address();
}

std::uint64_t event_conn::id() const noexcept {
    return conn_ ? conn_->id() : 0;
}

corio::loop& event_conn::owner() noexcept {
    return udp_ ? udp_->owner() : conn_->owner();
}

} // namespace corio
