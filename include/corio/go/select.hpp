// Go's select: waits until one of several channel operations can proceed, does exactly that
// one, and returns its position. When several are ready it picks one at random (Go's
// fairness); with case_default() it does not wait at all.
//
//     std::optional<message> m;
//     switch (co_await corio::select(corio::case_recv(inbox, m),   // case m, ok := <-inbox:
//                                    corio::case_send(out, reply), // case out <- reply:
//                                    corio::case_done(ctx),        // case <-ctx.Done():
//                                    corio::case_timeout(1s))) {   // case <-time.After(1s):
//     case 0: if (!m) return; handle(*m); break;                   // !m: inbox is closed
//     ...
//     }
//
// A nil channel's branches are never chosen (Go's way to switch a case off). The awaiting
// coroutine must run on one thread at a time (a corio loop, or any single-threaded executor).
#pragma once

#include <corio/config.hpp>

#include <corio/go/chan.hpp>
#include <corio/go/context.hpp>
#include <corio/task.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace corio {

namespace detail {

enum class try_result { not_ready, done, closed_send };

/// case_recv: a receive into `out` (nullopt: the channel is closed and drained).
template <class T>
struct recv_case {
    chan<T> ch;
    std::optional<T>* out = nullptr; // null: the value is dropped (own holds it)
    std::optional<T> own{};
    wait_node node{};

    chan_core* core() const noexcept { return ch.state(); }
    std::optional<T>* target() noexcept { return out ? out : &own; }
    try_result try_locked() {
        return ch.state()->try_receive_locked(*target()) ? try_result::done : try_result::not_ready;
    }
    void enqueue_locked(waiter& w, int index) {
        node.owner = &w;
        node.index = index;
        node.slot = target();
        ch.state()->receivers.push_back(node);
    }
    void dequeue_locked() noexcept { ch.state()->receivers.remove(node); }
    bool failed_send() const noexcept { return false; }
};

/// case_send: a send of `value`.
template <class T>
struct send_case {
    chan<T> ch;
    T value;
    wait_node node{};

    chan_core* core() const noexcept { return ch.state(); }
    try_result try_locked() {
        switch (ch.state()->try_send_locked(value)) {
        case send_status::done:
            return try_result::done;
        case send_status::closed:
            return try_result::closed_send;
        case send_status::not_ready:
            break;
        }
        return try_result::not_ready;
    }
    void enqueue_locked(waiter& w, int index) {
        node.owner = &w;
        node.index = index;
        node.slot = &value;
        ch.state()->senders.push_back(node);
    }
    void dequeue_locked() noexcept { ch.state()->senders.remove(node); }
    bool failed_send() const noexcept { return node.closed; }
};

/// case_timeout / case_deadline: chosen when `when` passes and nothing else was ready.
struct timer_case {
    std::chrono::steady_clock::time_point when;
};

/// case_default: chosen at once when nothing is ready.
struct default_case {};

template <class B>
inline constexpr bool is_channel_case =
    !std::is_same_v<B, timer_case> && !std::is_same_v<B, default_case>;

/// A random permutation of 0..n-1 (Go shuffles the cases the same way), from a per-thread
/// generator.
void shuffle_order(std::uint8_t* order, std::size_t n) noexcept;

/// Locks every distinct non-null core of `cores` in address order (Go's lock order), and
/// unlocks them in reverse.
template <std::size_t N>
class lock_all {
public:
    explicit lock_all(const std::array<chan_core*, N>& cores) noexcept : sorted_(cores) {
        std::sort(sorted_.begin(), sorted_.end());
        for (std::size_t i = 0; i < N; ++i)
            if (sorted_[i] && (i == 0 || sorted_[i] != sorted_[i - 1])) sorted_[i]->mutex.lock();
    }
    ~lock_all() {
        for (std::size_t i = N; i-- > 0;)
            if (sorted_[i] && (i == 0 || sorted_[i] != sorted_[i - 1])) sorted_[i]->mutex.unlock();
    }
    lock_all(const lock_all&) = delete;
    lock_all& operator=(const lock_all&) = delete;

private:
    std::array<chan_core*, N> sorted_;
};

template <class... B>
constexpr std::size_t default_position() {
    std::size_t i = 0, at = 0;
    ((std::is_same_v<B, default_case> ? (void)(at = i) : void(), ++i), ...);
    return at;
}

template <class Tuple, class F, std::size_t... I>
void visit_at(Tuple& t, std::size_t i, F&& f, std::index_sequence<I...>) {
    ((i == I ? (void)f(std::get<I>(t)) : void()), ...);
}

template <class Tuple, class F>
void visit_at(Tuple& t, std::size_t i, F&& f) {
    visit_at(t, i, std::forward<F>(f), std::make_index_sequence<std::tuple_size_v<Tuple>>{});
}

template <class B>
chan_core* core_of(const B& b) noexcept {
    if constexpr (is_channel_case<B>)
        return b.core();
    else
        return nullptr;
}

// The first ready channel branch in `order` (under the locks), done; or -1. A send on a closed
// channel counts as ready (it throws, as Go panics): `closed_send` says so.
template <class Tuple, std::size_t N>
int try_in_order(Tuple& t, const std::array<chan_core*, N>& cores, const std::uint8_t* order,
                 bool& closed_send) {
    for (std::size_t k = 0; k < N; ++k) {
        std::size_t i = order[k];
        if (!cores[i]) continue;
        try_result r = try_result::not_ready;
        visit_at(t, i, [&](auto& b) {
            if constexpr (is_channel_case<std::decay_t<decltype(b)>>) r = b.try_locked();
        });
        if (r == try_result::not_ready) continue;
        closed_send = r == try_result::closed_send;
        return static_cast<int>(i);
    }
    return -1;
}

template <class... B>
task<std::size_t> select_impl(std::tuple<B...> t) {
    constexpr std::size_t n = sizeof...(B);
    static_assert(n > 0 && n <= 64, "corio::select: 1 to 64 cases");
    std::array<chan_core*, n> cores{};
    {
        std::size_t i = 0;
        std::apply([&](auto&... b) { ((cores[i++] = core_of(b)), ...); }, t);
    }
    constexpr std::size_t default_count = (std::size_t{std::is_same_v<B, default_case>} + ...);
    static_assert(default_count <= 1, "corio::select: at most one case_default()");
    constexpr bool has_timer = (std::is_same_v<B, timer_case> || ...);
    std::array<std::uint8_t, n> order;
    shuffle_order(order.data(), n);

    // Ready now?
    bool closed_send = false;
    int ready;
    {
        lock_all<n> locks(cores);
        ready = try_in_order(t, cores, order.data(), closed_send);
    }
    if (ready >= 0) {
        if (closed_send) throw_closed_send();
        co_return static_cast<std::size_t>(ready);
    }
    if constexpr (default_count > 0) co_return default_position<B...>();

    // Wait on every channel branch and timer at once; the first to claim the waiter wins.
    waiter w;
    // Only the earliest timer can win. Its handler runs on this coroutine's own thread, and
    // `alive` tells it whether the select is still there.
    std::optional<boost::asio::steady_timer> timer;
    std::shared_ptr<bool> alive;
    auto earliest = std::chrono::steady_clock::time_point::max();
    int earliest_index = -1;
    if constexpr (has_timer) {
        alive = std::make_shared<bool>(true);
        timer.emplace(co_await boost::asio::this_coro::executor);
        int i = 0;
        std::apply(
            [&](auto&... b) {
                (([&](auto& c) {
                     if constexpr (std::is_same_v<std::decay_t<decltype(c)>, timer_case>) {
                         if (c.when < earliest) {
                             earliest = c.when;
                             earliest_index = i;
                         }
                     }
                     ++i;
                 }(b)),
                 ...);
            },
            t);
    }
    auto unqueue_all = [&] {
        lock_all<n> locks(cores);
        for (std::size_t i = 0; i < n; ++i)
            if (cores[i])
                visit_at(t, i, [&](auto& b) {
                    if constexpr (is_channel_case<std::decay_t<decltype(b)>>) b.dequeue_locked();
                });
    };
    co_await w.suspend(
        [&] {
            lock_all<n> locks(cores);
            int now = try_in_order(t, cores, order.data(), closed_send);
            if (now >= 0) {
                if (w.claim(now)) w.wake();
                return;
            }
            for (std::size_t i = 0; i < n; ++i)
                if (cores[i])
                    visit_at(t, i, [&](auto& b) {
                        if constexpr (is_channel_case<std::decay_t<decltype(b)>>)
                            b.enqueue_locked(w, static_cast<int>(i));
                    });
            if (timer) {
                timer->expires_at(earliest);
                timer->async_wait(
                    [alive, &w, idx = earliest_index](const boost::system::error_code& ec) {
                        if (ec || !*alive) return;
                        if (w.claim(idx)) w.wake();
                    });
            }
        },
        unqueue_all);
    unqueue_all();
    if (alive) {
        *alive = false;
        timer->cancel();
    }
    int win = w.winner();
    if (win == waiter::cancelled) throw_cancelled("corio::select");
    if (closed_send) throw_closed_send();
    bool failed = false;
    visit_at(t, static_cast<std::size_t>(win), [&](auto& b) {
        if constexpr (is_channel_case<std::decay_t<decltype(b)>>) failed = b.failed_send();
    });
    if (failed) throw_closed_send();
    co_return static_cast<std::size_t>(win);
}

} // namespace detail

/// Go's `case v, ok := <-ch:`: receives into `out` (nullopt when ch is closed and drained).
/// `out` must outlive the select.
template <class T>
detail::recv_case<T> case_recv(const chan<T>& ch, std::optional<T>& out) {
    return {ch, &out};
}
/// Go's `case <-ch:`: receives and drops the value.
template <class T>
detail::recv_case<T> case_recv(const chan<T>& ch) {
    return {ch, nullptr};
}
/// Go's `case ch <- v:`. Chosen on a closed channel, it throws errc::channel_closed (Go
/// panics).
template <class T, class V>
detail::send_case<T> case_send(const chan<T>& ch, V&& v) {
    return {ch, T(std::forward<V>(v))};
}
/// Go's `case <-ctx.Done():` (never chosen for a context that cannot be canceled).
inline detail::recv_case<std::monostate> case_done(const context& ctx) {
    return {ctx.done(), nullptr};
}
/// Go's `case <-time.After(d):`, without the channel: chosen once d has passed (counted from
/// now) if nothing else was ready.
inline detail::timer_case case_timeout(std::chrono::steady_clock::duration d) {
    return {std::chrono::steady_clock::now() + d};
}
/// Chosen once `when` has passed, if nothing else was ready.
inline detail::timer_case case_deadline(std::chrono::steady_clock::time_point when) {
    return {when};
}
/// Go's `default:`: chosen at once if no other case is ready, so select does not wait.
inline detail::default_case case_default() {
    return {};
}

/// Waits until one case can proceed, performs it and returns its position (0-based). Ready
/// cases are chosen at random. Throws boost::system::system_error(asio::error::
/// operation_aborted) if the wait is cancelled (nothing was done), std::system_error(errc::
/// channel_closed) if a chosen send's channel is closed. With no case that can ever be chosen (only
/// nil channels) it waits until cancelled, as Go's `select {}`. From a coroutine on a
/// single-threaded executor (a loop).
template <class... B>
task<std::size_t> select(B... cases) {
    return detail::select_impl(std::tuple<B...>(std::move(cases)...));
}

} // namespace corio
