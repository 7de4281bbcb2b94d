// Go's time package for coroutines: sleep, after (a channel that receives once) and
// time_ticker (Go's time.Ticker: a channel that receives at a fixed period, with stop and
// reset). For engine-wide periodic callbacks in gnet's manner see <corio/ticker.hpp>.
#pragma once

#include <corio/config.hpp>

#include <corio/go/chan.hpp>
#include <corio/task.hpp>

#include <chrono>
#include <memory>

namespace corio {

using steady_time = std::chrono::steady_clock::time_point;

/// Go's time.Sleep: suspends the coroutine (not its loop) for d. Cancellable: throws
/// boost::system::system_error(asio::error::operation_aborted). From any coroutine.
task<> sleep(std::chrono::steady_clock::duration d);
/// Sleeps until `when`.
task<> sleep_until(steady_time when);

/// Go's time.After: a channel (capacity 1) that receives the time once d has passed. The
/// timer runs on the calling loop (or corio's timer thread off the loops). Any thread.
chan<steady_time> after(std::chrono::steady_clock::duration d);

namespace detail {
struct time_ticker_state;
}

/// Go's time.Ticker: c() receives the time every period. Like Go's, the channel holds one
/// tick: a reader that falls behind misses ticks instead of queueing them. The timer runs on
/// the loop that made the ticker (or corio's timer thread off the loops). Every member may be
/// called from any thread; stop() and reset() from another thread take effect on the timer's
/// thread soon after (at most one tick already under way may still arrive).
class time_ticker {
public:
    /// Ticks every `period` (> 0, else std::invalid_argument), the first after one period.
    explicit time_ticker(std::chrono::steady_clock::duration period);
    /// Stops the ticker.
    ~time_ticker();
    time_ticker(const time_ticker&) = delete;
    time_ticker& operator=(const time_ticker&) = delete;

    /// Go's t.C.
    const chan<steady_time>& c() const noexcept { return c_; }
    /// Go's t.Stop(): no more ticks; the channel is not closed (as in Go).
    void stop() noexcept;
    /// Go's t.Reset(d): ticks every `period` from now on (> 0, else std::invalid_argument);
    /// also restarts a stopped ticker.
    void reset(std::chrono::steady_clock::duration period);

private:
    chan<steady_time> c_;
    std::shared_ptr<detail::time_ticker_state> state_;
};

} // namespace corio
