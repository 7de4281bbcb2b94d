// A connection's deadlines: read timeout, read deadline, idle timeout and the close
// deadline share one lazily made timer, armed for the earliest of them.
#include <corio/connection.hpp>
#include <corio/loop.hpp>

#include <boost/asio/steady_timer.hpp>

#include <algorithm>

namespace corio {
namespace asio = boost::asio;

// Before a read waits: true (and the read fails with timed_out) if the read deadline has
// passed; otherwise the deadline timer covers it.
bool connection::read_deadline_passed() {
    if (!deadlines_) return false;
    if (deadlines_->context_error) {
        // The read's context was done while the read was not waiting (it came in a yield).
        fail_read_for_context();
        return true;
    }
    if (deadlines_->read == clock::time_point::max()) return false;
    if (clock::now() >= deadlines_->read) {
        read_timed_out_ = true;
        fail_read(errc::timed_out);
        return true;
    }
    schedule_check(deadlines_->read);
    return false;
}

connection::deadline_state& connection::deadlines() {
    if (!deadlines_) deadlines_ = std::make_unique<deadline_state>(loop_.get_executor());
    return *deadlines_;
}

void connection::set_read_deadline(clock::time_point when) {
    if (!on_own_loop()) {
        loop_.post([self = shared_from_this(), when] { self->set_read_deadline(when); });
        return;
    }
    if (deadlines_ || when != clock::time_point::max()) deadlines().read = when;
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
    if (closed_ || (deadlines_ && when >= deadlines_->armed)) return;
    auto& d = deadlines();
    d.armed = when;
    d.timer.expires_at(when);
    d.timer.async_wait([self = shared_from_this(), when](boost::system::error_code ec) {
        if (ec || self->deadlines_->armed != when) return;
        self->deadlines_->armed = clock::time_point::max();
        self->on_deadline();
    });
}

void connection::on_deadline() {
    if (closed_) return;
    auto now = clock::now();
    auto next = clock::time_point::max();
    // on_deadline runs from the timer, so deadlines_ exists.
    const auto close_deadline = deadlines_->close;
    if (close_deadline != clock::time_point::max()) {
        if (now >= close_deadline) {
            fail_write(errc::timed_out);
            force_close();
            return;
        }
        next = std::min(next, close_deadline);
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
        auto due = deadlines_->read;
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
