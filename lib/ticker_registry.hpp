// The engine's side of tickers: each ticker's shared state, and the registry the engine uses
// to start tickers and to stop them all at graceful stop.
#pragma once

#include <corio/logger.hpp>
#include <corio/loop.hpp>
#include <corio/ticker.hpp>

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace corio::detail {

struct ticker_registry;

/// Shared by the ticker's handles and its coroutine on the loop.
struct ticker_state {
    std::shared_ptr<ticker_registry> registry;
    loop* owner = nullptr;
    std::chrono::nanoseconds first{0};
    tick_function fn;                           // loop thread only; released when the ticker ends
    boost::asio::steady_timer* timer = nullptr; // the waiting timer: loop thread only
    std::atomic<bool> cancelled{false};
    std::atomic<bool> finished{false};
    std::atomic<std::uint64_t> ticks{0};

    bool stopped() const noexcept;
};

struct ticker_registry : std::enable_shared_from_this<ticker_registry> {
    explicit ticker_registry(corio::logger log) : logger(std::move(log)) {}

    corio::logger logger;
    std::mutex mutex;        // guards the fields below and posting to loops
    bool loops_alive = true; // false once the engine is destroying its loops
    std::vector<std::weak_ptr<ticker_state>> tickers;
    std::size_t prune_at = 16;
    std::atomic<bool> closed{false};     // the engine is stopping: no ticks from now on
    std::atomic<std::size_t> running{0}; // ticker coroutines not yet finished

    /// Starts a ticker on `owner` (posting its coroutine there); an inactive handle if the
    /// registry is closed or `accepting` is false.
    ticker start(loop& owner, std::chrono::nanoseconds interval, tick_function fn, bool immediate,
                 bool accepting);
    /// Wakes a ticker's timer so it sees it is stopped (no-op once the loops are gone).
    void wake(const std::shared_ptr<ticker_state>& s) noexcept; // mutex held
    /// Graceful stop: no tick starts from now on; waiting timers are woken.
    void close() noexcept;
    /// The engine is about to destroy its loops: nothing may be posted to them any more.
    void loops_gone() noexcept;
};

} // namespace corio::detail
