// Go's `go f()`: corio::go starts a coroutine on the current loop, on a given loop, or on the
// engine's least-loaded loop, and forgets it. What escapes it is logged with its name, never
// lost; the engine's graceful stop cancels the ones still running once connections are done.
//
//     corio::go([in, out]() -> corio::task<> {  // capture by value: the caller moves on
//         while (auto v = co_await in.receive()) co_await out.send(*v * 2);
//     });
//     corio::go(engine, "hub", run_hub(rooms)); // a named task on the least-loaded loop
#pragma once

#include <corio/config.hpp>

#include <corio/task.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>

#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace corio {

class engine;
class loop;

namespace detail {

/// One running corio::go coroutine: its cancellation signal, its name, and its place in its
/// loop's list (loop thread only).
struct go_entry {
    boost::asio::cancellation_signal signal;
    std::string name;
    std::uint64_t id = 0;
    loop* home = nullptr;
    go_entry* prev = nullptr;
    go_entry* next = nullptr;
    bool listed = false;
    bool stopped_by_engine = false;
};

/// Counts a new coroutine on `l` and makes its entry. Any thread.
go_entry* go_begin(loop& l, std::string name);
/// On the loop, when the coroutine starts: lists it for the engine's stop.
void go_started(go_entry& e) noexcept;
/// On the loop, when it ends: logs what escaped it, unlists and frees the entry.
void go_finished(go_entry* e, std::exception_ptr error) noexcept;
/// The loop of the calling thread; std::logic_error off the loops.
loop& go_current_loop(const char* what);
/// The loop with the fewest connections and corio::go coroutines.
loop& go_least_loaded(engine& e) noexcept;

template <class F>
inline constexpr bool is_task_v = false;
template <class T>
inline constexpr bool is_task_v<task<T>> = true;

template <class F>
task<> go_body(go_entry* e, F fn) {
    go_started(*e);
    if constexpr (is_task_v<F>) {
        co_await std::move(fn);
    } else {
        static_assert(std::is_invocable_v<F&>, "corio::go: a task, or a callable returning one");
        static_assert(is_task_v<std::invoke_result_t<F&>>,
                      "corio::go: the callable must return a corio::task");
        co_await fn(); // fn lives in this frame as long as the coroutine it started
    }
}

template <class F>
void go_on(loop& l, std::string name, F&& fn);

} // namespace detail

/// Starts `fn` (a corio::task, or a callable returning one) on the calling loop. The callable
/// is moved into the new coroutine: capture by value what it uses (the caller does not wait
/// for it). From a loop thread (a handler, another go); std::logic_error elsewhere.
template <class F>
void go(F&& fn) {
    detail::go_on(detail::go_current_loop("corio::go"), std::string(), std::forward<F>(fn));
}
/// As go(fn), named `name` in the log line for an escaping exception.
template <class F>
void go(std::string name, F&& fn) {
    detail::go_on(detail::go_current_loop("corio::go"), std::move(name), std::forward<F>(fn));
}
/// Starts `fn` on loop `l`. Any thread.
template <class F>
void go(loop& l, F&& fn) {
    detail::go_on(l, std::string(), std::forward<F>(fn));
}
template <class F>
void go(loop& l, std::string name, F&& fn) {
    detail::go_on(l, std::move(name), std::forward<F>(fn));
}
/// Starts `fn` on the engine's least-loaded loop (fewest connections plus go coroutines). Any
/// thread.
template <class F>
void go(engine& e, F&& fn) {
    detail::go_on(detail::go_least_loaded(e), std::string(), std::forward<F>(fn));
}
template <class F>
void go(engine& e, std::string name, F&& fn) {
    detail::go_on(detail::go_least_loaded(e), std::move(name), std::forward<F>(fn));
}

} // namespace corio

#include <corio/loop.hpp>

namespace corio::detail {

template <class F>
void go_on(loop& l, std::string name, F&& fn) {
    go_entry* e = go_begin(l, std::move(name));
    boost::asio::co_spawn(l.get_executor(), go_body(e, std::decay_t<F>(std::forward<F>(fn))),
                          boost::asio::bind_cancellation_slot(
                              e->signal.slot(), [e](std::exception_ptr p) { go_finished(e, p); }));
}

} // namespace corio::detail
