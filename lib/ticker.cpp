// Tickers: one coroutine per ticker on its loop, waiting on a timer between ticks.
#include "exception_text.hpp"
#include "ticker_registry.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <fmt/format.h>

namespace corio {
namespace detail {
namespace asio = boost::asio;

namespace {

// Owned by the ticker's coroutine frame: however the frame ends (finished, or destroyed with
// its loop), the ticker is marked finished and the registry's count drops.
class frame_ref {
public:
    explicit frame_ref(std::shared_ptr<ticker_state> s) noexcept : s_(std::move(s)) {}
    frame_ref(frame_ref&& other) noexcept : s_(std::move(other.s_)) {}
    frame_ref& operator=(frame_ref&&) = delete;
    ~frame_ref() {
        if (!s_) return;
        s_->timer = nullptr;
        s_->fn = {};
        s_->finished.store(true);
        s_->registry->running.fetch_sub(1);
    }
    ticker_state& operator*() const noexcept { return *s_; }
    ticker_state* operator->() const noexcept { return s_.get(); }

private:
    std::shared_ptr<ticker_state> s_;
};

void log_failure(ticker_state& s, std::exception_ptr e) {
    if (!s.registry->logger) return;
    s.registry->logger(log_level::error, fmt::format("ticker on loop {} threw: {}; ticker stopped",
                                                     s.owner->index(), exception_text(e)));
}

asio::awaitable<void> run_ticker(frame_ref s) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    s->timer = &timer;
    std::chrono::nanoseconds delay = s->first;
    while (!s->stopped()) {
        timer.expires_after(std::max(delay, std::chrono::nanoseconds{0}));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (s->stopped()) break;
        tick next;
        std::exception_ptr failure;
        try {
            if (s->fn.sync) {
                next = s->fn.sync();
            } else {
                next = co_await s->fn.async();
            }
        } catch (...) {
            failure = std::current_exception();
        }
        s->ticks.fetch_add(1);
        if (failure) {
            log_failure(*s, failure);
            break;
        }
        if (next.stop) break;
        delay = next.next;
    }
}

} // namespace

bool ticker_state::stopped() const noexcept {
    return cancelled.load() || registry->closed.load();
}

ticker ticker_registry::start(loop& owner, std::chrono::nanoseconds interval, tick_function fn,
                              bool immediate, bool accepting) {
    auto s = std::make_shared<ticker_state>();
    s->owner = &owner;
    s->first = immediate ? std::chrono::nanoseconds{0} : interval;
    s->fn = std::move(fn);
    std::lock_guard lock(mutex);
    s->registry = shared_from_this();
    if (closed.load() || !accepting || !loops_alive) {
        s->finished.store(true);
        s->fn = {};
        return ticker(s);
    }
    if (tickers.size() >= prune_at) {
        std::erase_if(tickers, [](const auto& w) { return w.expired(); });
        prune_at = std::max<std::size_t>(16, tickers.size() * 2);
    }
    tickers.push_back(s);
    running.fetch_add(1);
    asio::co_spawn(owner.get_executor(), run_ticker(frame_ref(s)), asio::detached);
    return ticker(s);
}

void ticker_registry::wake(const std::shared_ptr<ticker_state>& s) noexcept {
    if (!loops_alive || s->finished.load()) return;
    try {
        s->owner->post([s] {
            if (s->timer) s->timer->cancel();
        });
    } catch (...) {
        // Out of memory: the ticker still stops when its timer next expires.
    }
}

void ticker_registry::close() noexcept {
    std::lock_guard lock(mutex);
    closed.store(true);
    for (auto& w : tickers)
        if (auto s = w.lock()) wake(s);
    tickers.clear();
}

void ticker_registry::loops_gone() noexcept {
    std::lock_guard lock(mutex);
    loops_alive = false;
}

} // namespace detail

void ticker::cancel() noexcept {
    if (!state_ || state_->cancelled.exchange(true)) return;
    auto& registry = *state_->registry;
    std::lock_guard lock(registry.mutex);
    registry.wake(state_);
}

bool ticker::active() const noexcept {
    return state_ && !state_->stopped() && !state_->finished.load();
}

std::uint64_t ticker::ticks() const noexcept {
    return state_ ? state_->ticks.load() : 0;
}

} // namespace corio
