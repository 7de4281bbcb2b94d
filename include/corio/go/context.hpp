// Go's context: cancellation and deadlines that flow down a tree. A child is done when it is
// canceled, when its deadline passes, or when its parent is done; err() says which. Give a
// context to a connection read or write, a dial, an offload call or a select, and it returns
// promptly once the context is done.
//
//     auto [ctx, cancel] = corio::with_timeout(parent, 2s); // ctx, cancel := ...WithTimeout
//     auto up = co_await corio::dial(engine, "tcp://db:5432", ctx);
//     cancel();                                             // defer cancel()
#pragma once

#include <corio/config.hpp>

#include <corio/error.hpp>
#include <corio/go/chan.hpp>
#include <corio/task.hpp>

#include <any>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace corio {

class context;
class cancel_func;

namespace detail {

struct context_state {
    using clock = std::chrono::steady_clock;
    std::shared_ptr<context_state> parent;
    chan<std::monostate> done; // cancelable ones: closed once canceled (Go's ctx.Done())
    std::mutex mutex;
    std::error_code err;                                   // under mutex
    std::vector<std::shared_ptr<context_state>> children;  // under mutex; until they end
    clock::time_point deadline = clock::time_point::max(); // with_deadline (or a parent's)
    std::shared_ptr<void> timer;                           // the deadline's timer, if any
    // with_value
    std::string key;
    std::any value;
    bool has_value = false;
    bool cancelable = false;
};

/// The nearest cancelable context at or above `s` (the one whose cancellation reaches it).
context_state* cancel_root(context_state* s) noexcept;

/// Cancels `s` and its subtree with `why` (once; later calls do nothing). Any thread.
void cancel_context(const std::shared_ptr<context_state>& s, std::error_code why,
                    bool remove_from_parent) noexcept;

/// Calls `fn` once when `ctx` is done, unless the watch is destroyed first. `fn` runs on the
/// canceling thread under the context's lock: it must be short (post work somewhere) and not
/// touch the context. Made and destroyed on any thread; if ctx is done already, fn runs in
/// the constructor.
class context_watch {
public:
    context_watch(const context& ctx, std::function<void()> fn);
    ~context_watch();
    context_watch(const context_watch&) = delete;
    context_watch& operator=(const context_watch&) = delete;

private:
    struct hook : waiter {
        explicit hook(context_watch* w) noexcept : waiter(&fire), self(w) {}
        context_watch* self;
    };
    static void fire(waiter& w) noexcept;
    chan<std::monostate> done_;
    std::function<void()> fn_;
    hook waiter_{this};
    wait_node node_;
};

} // namespace detail

/// A handle to a context (copies share it). Default-constructed, it is Go's
/// context.Background(): never done, no deadline. Every member may be called from any thread.
class context {
public:
    using clock = std::chrono::steady_clock;

    context() noexcept = default;
    /// Go's context.Background() (also context.TODO()).
    static context background() noexcept { return {}; }

    /// Go's ctx.Done(): a channel closed when the context is done; the nil channel (never
    /// ready) for a context that cannot be canceled. Use it in a select (case_done(ctx) is
    /// short for case_recv(ctx.done())).
    chan<std::monostate> done() const;
    /// Go's ctx.Err(): empty while not done, then errc::canceled or errc::deadline_exceeded.
    std::error_code err() const;
    /// True once done (err() is set).
    bool is_done() const { return static_cast<bool>(err()); }
    /// Go's ctx.Deadline(): the earliest deadline on the way to the root, if any.
    std::optional<clock::time_point> deadline() const;
    /// Go's ctx.Value(key): the value of the nearest with_value of that key, or null.
    const std::any* value(std::string_view key) const;
    /// Waits until the context is done (Go's `<-ctx.Done()`); never returns for a context
    /// that cannot be canceled, unless the wait is cancelled (then it throws
    /// asio::error::operation_aborted).
    task<> wait() const;

    /// The shared state (null for background); for corio's own code.
    const std::shared_ptr<detail::context_state>& state() const noexcept { return state_; }

private:
    friend class cancel_func;
    friend context with_value(const context& parent, std::string key, std::any value);
    friend std::pair<context, cancel_func> make_cancelable(const context& parent,
                                                           clock::time_point deadline);
    explicit context(std::shared_ptr<detail::context_state> s) noexcept : state_(std::move(s)) {}
    std::shared_ptr<detail::context_state> state_;
};

/// Go's CancelFunc: cancels its context (and the context's children) with errc::canceled.
/// Idempotent; any thread. Call it when the work is done (Go's `defer cancel()`): until the
/// context is done, its parent holds it.
class cancel_func {
public:
    cancel_func() noexcept = default;
    void operator()() const noexcept {
        if (auto s = state_.lock()) detail::cancel_context(s, errc::canceled, true);
    }

private:
    friend std::pair<context, cancel_func> make_cancelable(const context& parent,
                                                           context::clock::time_point deadline);
    explicit cancel_func(std::weak_ptr<detail::context_state> s) noexcept : state_(std::move(s)) {}
    std::weak_ptr<detail::context_state> state_;
};

/// Go's context.WithCancel(parent). Any thread.
std::pair<context, cancel_func> with_cancel(const context& parent);
/// Go's context.WithDeadline(parent, when): also done (errc::deadline_exceeded) at `when`.
/// The timer runs on the calling loop, or on corio's timer thread when not called on a loop.
/// Any thread.
std::pair<context, cancel_func> with_deadline(const context& parent,
                                              context::clock::time_point when);
/// Go's context.WithTimeout(parent, d): with_deadline(parent, now + d). Any thread.
std::pair<context, cancel_func> with_timeout(const context& parent, context::clock::duration d);
/// Go's context.WithValue(parent, key, value): a child that carries a value. Any thread.
context with_value(const context& parent, std::string key, std::any value);
/// The implementation of the three above (a deadline of time_point::max() is none).
std::pair<context, cancel_func> make_cancelable(const context& parent,
                                                context::clock::time_point deadline);

} // namespace corio
