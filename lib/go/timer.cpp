// sleep, after and time_ticker (see <corio/go/timer.hpp>).
#include <corio/go/timer.hpp>

#include "timer_home.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace corio {
namespace asio = boost::asio;
using clock = std::chrono::steady_clock;
// Bound to an io_context's own executor type (not the type-erased one): it can tell whether
// the calling thread is the timer's.
using loop_timer =
    asio::basic_waitable_timer<clock, asio::wait_traits<clock>, asio::io_context::executor_type>;

task<> sleep(clock::duration d) {
    co_await sleep_until(clock::now() + d);
}

task<> sleep_until(steady_time when) {
    asio::steady_timer t(co_await asio::this_coro::executor, when);
    co_await t.async_wait(asio::use_awaitable);
}

chan<steady_time> after(clock::duration d) {
    chan<steady_time> c(1);
    auto t = std::make_shared<asio::steady_timer>(detail::timer_executor());
    // Armed on its own thread; the handler keeps the timer alive and holds the channel.
    asio::post(t->get_executor(), [t, c, when = clock::now() + d]() mutable {
        t->expires_at(when);
        t->async_wait([t, c](const boost::system::error_code& ec) mutable {
            if (!ec) c.try_send(clock::now());
        });
    });
    return c;
}

namespace detail {

// Touched only on the timer's thread; `generation` tells a wait's handler whether it is still
// the current one (stop and reset start a new generation).
struct time_ticker_state : std::enable_shared_from_this<time_ticker_state> {
    time_ticker_state(asio::io_context::executor_type ex, chan<steady_time> ch)
        : timer(ex), c(std::move(ch)) {}
    loop_timer timer;
    chan<steady_time> c;
    clock::duration period{};
    std::uint64_t generation = 0;

    void arm(steady_time when) {
        timer.expires_at(when);
        timer.async_wait([self = shared_from_this(), gen = generation,
                          when](const boost::system::error_code& ec) {
            if (ec || gen != self->generation) return;
            auto now = clock::now();
            self->c.try_send(now); // full: the reader is behind, the tick is dropped (Go's way)
            // The next tick keeps the cadence; ticks missed while the loop was busy are
            // skipped, not bunched.
            auto next = when + self->period;
            if (next <= now) next = now + self->period;
            self->arm(next);
        });
    }
    void restart(clock::duration p) {
        ++generation;
        timer.cancel();
        period = p;
        arm(clock::now() + p);
    }
    void halt() noexcept {
        ++generation;
        timer.cancel();
    }
};

} // namespace detail

time_ticker::time_ticker(clock::duration period) : c_(1) {
    if (period <= clock::duration::zero())
        throw std::invalid_argument("corio::time_ticker: the period must be positive");
    state_ = std::make_shared<detail::time_ticker_state>(detail::timer_executor(), c_);
    asio::post(state_->timer.get_executor(), [s = state_, period] { s->restart(period); });
}

time_ticker::~time_ticker() {
    stop();
}

void time_ticker::stop() noexcept {
    auto ex = state_->timer.get_executor();
    if (ex.running_in_this_thread()) {
        state_->halt(); // on the timer's own thread: exact
        return;
    }
    try {
        asio::post(ex, [s = state_] { s->halt(); });
    } catch (...) {
    }
}

void time_ticker::reset(clock::duration period) {
    if (period <= clock::duration::zero())
        throw std::invalid_argument("corio::time_ticker: the period must be positive");
    auto ex = state_->timer.get_executor();
    if (ex.running_in_this_thread()) {
        state_->restart(period);
        return;
    }
    asio::post(ex, [s = state_, period] { s->restart(period); });
}

} // namespace corio
