// Driving an event_handler: per stream connection one coroutine that calls on_open, then
// waits for bytes beyond those already buffered, calls on_traffic and flushes what it wrote,
// and ends with close and on_close; per loop's datagram socket one that calls on_traffic for
// each datagram. Per arrival it costs what a coroutine handler's read-and-flush does (one
// read, one flush, no other frame or allocation) plus the one virtual call.
#include "event_drive.hpp"

#include "event_access.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace corio::detail {

namespace {

// Owned by the driver's frame: however the frame ends (returned, threw, or destroyed with its
// loop), the connection is closed by then. wake() and close(), posted from other threads,
// rely on it: they reach the event_conn in this frame only while the connection is open.
class close_guard {
public:
    explicit close_guard(std::shared_ptr<connection> c) noexcept : c_(std::move(c)) {}
    close_guard(const close_guard&) = delete;
    close_guard& operator=(const close_guard&) = delete;
    ~close_guard() {
        if (c_->is_open()) event_access::close_now(*c_);
    }

private:
    std::shared_ptr<connection> c_;
};

void finish_all(std::vector<event_conn::callback>& callbacks, std::error_code ec) {
    auto list = std::exchange(callbacks, {});
    for (auto& done : list) done(ec);
}

} // namespace

task<> event_driver::stream(engine& e, event_handler& h, connection& c) {
    close_guard guard(c.shared_from_this());
    event_conn ec(c);
    std::error_code why; // for on_close: {} when the handler (or close()) ended it
    open_result opened = h.on_open(ec);
    if (!opened.out.empty()) c.write(opened.out);
    action act = opened.act;
    for (;;) {
        // What the callback wrote goes now, with backpressure. A deferred view (write() of
        // bytes from peek/next) is sent from the inbound buffer, which no read has touched
        // since: flush(data) copies only what the socket does not take at once.
        if (!ec.deferred_.empty()) {
            std::string_view view = std::exchange(ec.deferred_, {});
            std::error_code failed = co_await c.flush(view);
            if (failed) {
                why = failed;
                break;
            }
        } else if (c.outbound_buffered() != 0) {
            std::error_code failed = co_await c.flush();
            if (failed) {
                why = failed;
                break;
            }
        }
        if (act == action::shutdown) {
            e.stop(); // reads end with errc::shutting_down, and this connection with them
            act = action::none;
        }
        if (act == action::close || ec.close_requested_) break;
        // New bytes only: what on_traffic left buffered does not make it run again.
        const std::size_t have = c.inbound_buffered();
        bytes got = co_await c.peek(have + 1);
        if (ec.close_requested_) break;
        if (got.empty()) {
            // Empty without an error is a wake (event_access::wake_read).
            std::error_code failed = c.error();
            if (failed) {
                why = failed;
                break;
            }
        }
        if (ec.wake_pending_) {
            ec.wake_pending_ = false;
            event_access::clear_wake(c); // this on_traffic answers it
        }
        ec.views_begin_ = ec.views_end_ = nullptr;
        act = h.on_traffic(ec);
        if (!ec.wake_done_.empty()) finish_all(ec.wake_done_, {});
    }
    // gnet calls OnClose once the connection is closed: flush what is left (bounded by the
    // close timeout), close, then tell the handler.
    ec.take_deferred();
    co_await c.close();
    if (!ec.wake_done_.empty()) finish_all(ec.wake_done_, errc::closed);
    ec.views_begin_ = ec.views_end_ = nullptr;
    action after = h.on_close(ec, why);
    finish_all(ec.close_done_, {});
    if (after == action::shutdown) e.stop();
}

task<> event_driver::datagrams(engine& e, event_handler& h, datagram_socket& s) {
    event_conn ec(s);
    for (;;) {
        datagram d = co_await s.receive();
        if (!d) break; // shutting down or closed
        // gnet makes a fresh Conn per datagram: nothing of the last one carries over.
        ec.datagram_ = &d;
        ec.datagram_read_ = 0;
        if (ec.context_.has_value()) ec.context_.reset();
        action act = h.on_traffic(ec);
        ec.datagram_ = nullptr;
        // Replies the socket would not take at once (it was full), in order.
        for (std::size_t i = 0; i < ec.datagram_backlog_.size(); ++i) {
            auto& reply = ec.datagram_backlog_[i];
            co_await s.send_to(reply.first, reply.second);
        }
        ec.datagram_backlog_.clear();
        if (act == action::shutdown) e.stop();
    }
}

} // namespace corio::detail
