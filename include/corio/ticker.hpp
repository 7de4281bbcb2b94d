// Tickers: periodic callbacks on a loop, in the manner of gnet's OnTick. Start one with
// engine::every(interval, fn):
//
//     engine.every(1s, [] { report_stats(); });                   // every second
//     engine.every(100ms, [&]() -> corio::tick {                  // fn picks the next delay
//         if (done()) return corio::stop_ticking();
//         return corio::tick_again(busy() ? 10ms : 500ms);
//     });
//
// fn may be:
//   tick()        returns the delay until the next tick, or stop (gnet's OnTick);
//   void()        repeats every `interval`;
//   task<tick>()  a coroutine, awaited on the loop, returning the next delay or stop;
//   task<void>()  a coroutine repeated every `interval`.
//
// Semantics:
// - The ticker runs on one loop (ticker_options::loop, default loop 0); fn always runs on that
//   loop's thread, so it may touch what that loop owns.
// - The first tick comes `interval` after the engine starts (or after every() when it is
//   already running); ticker_options::immediate makes it come at once, as gnet does on boot.
// - Each delay counts from the end of the previous tick (gnet's semantics), so ticks never
//   overlap, coroutine ticks included. A delay of zero or less ticks again as soon as the
//   loop has run the work that is ready.
// - An exception from fn is logged through the engine's logger and stops that ticker.
// - Tickers stop when the engine's graceful stop begins; stop() waits (up to
//   options::shutdown_timeout) for a coroutine tick in flight before on_shutdown runs, and no
//   tick starts after that. A ticker made before start() begins at start(); one made once
//   the engine is stopping or stopped never ticks (active() is false).
#pragma once

#include <corio/config.hpp>

#include <corio/task.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace corio {

/// What a tick callback returns: the delay until the next tick, or stop.
struct tick {
    std::chrono::nanoseconds next{0};
    bool stop = false;
};

/// Tick again after `next`.
inline tick tick_again(std::chrono::nanoseconds next) noexcept {
    return {next, false};
}
/// Stop this ticker (gnet's Shutdown action stops the engine; this stops only the ticker).
inline tick stop_ticking() noexcept {
    return {std::chrono::nanoseconds{0}, true};
}

struct ticker_options {
    /// Index of the loop the ticker runs on.
    std::size_t loop = 0;
    /// First tick as soon as the loop runs (gnet style) instead of after `interval`.
    bool immediate = false;
};

namespace detail {

struct ticker_state;

/// The callback in one of two shapes: exactly one is set.
struct tick_function {
    std::function<tick()> sync;
    std::function<task<tick>()> async;
};

template <class Fn>
task<tick> repeat_task(Fn& fn, std::chrono::nanoseconds interval) {
    co_await fn();
    co_return tick{interval, false};
}

template <class>
inline constexpr bool unsupported_tick_callback = false;

template <class F>
tick_function make_tick_function(F&& fn, std::chrono::nanoseconds interval) {
    using Fn = std::decay_t<F>;
    static_assert(std::is_invocable_v<Fn&>, "corio: a tick callback takes no arguments");
    using R = std::invoke_result_t<Fn&>;
    tick_function out;
    if constexpr (std::is_same_v<R, tick>) {
        out.sync = std::forward<F>(fn);
    } else if constexpr (std::is_void_v<R>) {
        out.sync = [f = Fn(std::forward<F>(fn)), interval]() mutable {
            f();
            return tick{interval, false};
        };
    } else if constexpr (std::is_same_v<R, task<tick>>) {
        out.async = std::forward<F>(fn);
    } else if constexpr (std::is_same_v<R, task<void>>) {
        out.async = [f = Fn(std::forward<F>(fn)), interval]() mutable {
            return repeat_task(f, interval);
        };
    } else {
        static_assert(unsupported_tick_callback<F>,
                      "corio: a tick callback returns corio::tick, void, corio::task<corio::tick> "
                      "or corio::task<>");
    }
    return out;
}

} // namespace detail

/// A handle to a running ticker. Copies share the ticker; dropping every handle does not stop
/// it (cancel() does). Safe to use from any thread, also after the engine is gone.
class ticker {
public:
    ticker() = default;
    explicit ticker(std::shared_ptr<detail::ticker_state> state) noexcept
        : state_(std::move(state)) {}

    /// Stops the ticker: no tick starts after cancel() returns, except one already starting
    /// on its loop at that moment when called from another thread (called on the ticker's
    /// loop, fn included, it is exact). Any thread; idempotent; no-op on an empty handle.
    void cancel() noexcept;
    /// False once cancelled, stopped by fn (stop or exception) or by the engine's stop.
    bool active() const noexcept;
    /// Ticks run so far.
    std::uint64_t ticks() const noexcept;

private:
    std::shared_ptr<detail::ticker_state> state_;
};

} // namespace corio
