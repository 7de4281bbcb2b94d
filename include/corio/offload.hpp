// Offloading blocking calls: `co_await corio::offload(fn)` runs fn on the engine's bounded pool
// of worker threads and resumes the awaiting coroutine on its own executor (its loop) with
// fn's result, or rethrows what fn threw. Loop threads never block on the call.
//
//     corio::task<> handler(corio::connection& conn) {
//         auto bytes = co_await conn.read();
//         std::string row = co_await corio::offload([key = std::string(bytes)] {
//             return blocking_database_lookup(key); // runs on a worker thread
//         });
//         conn.write(row); // back on the connection's loop
//         ...
//     }
//
// The pool has options::worker_threads threads, started on the first offload and joined when
// the engine is destroyed (after its loops stop; calls still queued then are dropped, a call
// already running is waited for). At most options::worker_queue_limit calls wait for a free
// worker; one more makes offload throw std::system_error(corio::errc::queue_full), so
// overload is an error the caller sees at once, never a deadlock.
#pragma once

#include <corio/config.hpp>

#include <corio/error.hpp>
#include <corio/go/chan.hpp>
#include <corio/go/context.hpp>
#include <corio/go/select.hpp>
#include <corio/task.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace corio {

class engine;

namespace detail {

class worker_pool;

/// One queued call: run() on a worker thread, or fail() if it is refused.
struct work_item {
    work_item* next = nullptr;
    virtual ~work_item() = default;
    /// Calls the function and posts its outcome to the awaiting coroutine's executor.
    virtual void run() noexcept = 0;
    /// Posts `error` to the awaiting coroutine instead of running the function.
    virtual void fail(std::exception_ptr error) noexcept = 0;
};

/// Queues `item` on `pool`, or fails it: errc::queue_full when worker_queue_limit calls are
/// already waiting, errc::shutting_down once the pool is shut down.
void submit(worker_pool& pool, std::unique_ptr<work_item> item) noexcept;

/// The worker pool of the engine whose loop owns `context`, or null if it is not a loop's.
worker_pool* find_pool(boost::asio::execution_context& context) noexcept;

/// The pool of `e`.
worker_pool& pool_of(engine& e);

/// A result or an exception, carried from the worker back to the coroutine.
template <class R>
struct outcome {
    std::optional<R> value;
    std::exception_ptr error;
    R get() {
        if (error) std::rethrow_exception(error);
        return std::move(*value);
    }
};

template <>
struct outcome<void> {
    std::exception_ptr error;
    void get() {
        if (error) std::rethrow_exception(error);
    }
};

template <class F, class Handler>
class offload_item final : public work_item {
public:
    using result_type = std::invoke_result_t<F&>;
    using executor_type = boost::asio::associated_executor_t<Handler>;

    offload_item(F fn, Handler handler)
        : fn_(std::in_place, std::move(fn)), handler_(std::move(handler)),
          work_(boost::asio::get_associated_executor(handler_)) {}

    void run() noexcept override {
        outcome<result_type> out;
        try {
            if constexpr (std::is_void_v<result_type>)
                std::invoke(*fn_);
            else
                out.value.emplace(std::invoke(*fn_));
        } catch (...) {
            out.error = std::current_exception();
        }
        complete(std::move(out));
    }

    void fail(std::exception_ptr error) noexcept override {
        outcome<result_type> out;
        out.error = std::move(error);
        complete(std::move(out));
    }

private:
    void complete(outcome<result_type>&& out) noexcept {
        // The function (and what it captured) goes before the coroutine resumes.
        fn_.reset();
        try {
            boost::asio::post(work_.get_executor(),
                              [h = std::move(handler_), o = std::move(out)]() mutable {
                                  std::move(h)(std::move(o));
                              });
        } catch (...) {
            // Out of memory: the awaiting coroutine is destroyed with its handler.
        }
        work_.reset();
    }

    std::optional<F> fn_;
    Handler handler_;
    boost::asio::executor_work_guard<executor_type> work_;
};

/// The pool of the engine whose loop runs `ex`; std::logic_error if `ex` is not a loop's.
inline worker_pool& pool_of_loop(const boost::asio::any_io_executor& ex) {
    worker_pool* pool = find_pool(boost::asio::query(ex, boost::asio::execution::context));
    if (!pool)
        throw std::logic_error("corio::offload: the awaiting coroutine does not run on a corio "
                               "loop; use corio::offload(engine, fn)");
    return *pool;
}

template <class F>
using offload_result_t = std::invoke_result_t<std::decay_t<F>&>;

template <class F>
task<offload_result_t<F>> offload_on(worker_pool& pool, F fn) {
    static_assert(std::is_invocable_v<F&>, "corio::offload: fn must be callable with no arguments");
    static_assert(!std::is_reference_v<offload_result_t<F>>,
                  "corio::offload: fn must return a value, not a reference");
    using R = offload_result_t<F>;
    auto out = co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                                    void(outcome<R>)>(
        [&pool](auto handler, F f) {
            using item_type = offload_item<F, decltype(handler)>;
            std::unique_ptr<work_item> item;
            try {
                item = std::make_unique<item_type>(std::move(f), std::move(handler));
            } catch (...) {
                return; // out of memory: the coroutine is destroyed with its handler
            }
            submit(pool, std::move(item));
        },
        boost::asio::use_awaitable, std::move(fn));
    co_return out.get();
}

} // namespace detail

/// Runs `fn()` on a worker thread of the engine whose loop runs the awaiting coroutine, and
/// resumes the coroutine on its own executor with the result (or rethrows fn's exception).
/// `fn` is any callable taking no arguments and returning a value (not a reference) or void;
/// it is moved to the worker and destroyed there before the coroutine resumes.
///
/// Throws std::system_error(errc::queue_full) when options::worker_queue_limit calls already
/// wait for a worker, std::system_error(errc::shutting_down) once the engine is being
/// destroyed, and std::logic_error when the awaiting coroutine does not run on a corio loop
/// (use offload(engine&, fn) there).
template <class F>
task<detail::offload_result_t<F>> offload(F fn) {
    auto ex = co_await boost::asio::this_coro::executor;
    auto& pool = detail::pool_of_loop(ex);
    co_return co_await detail::offload_on(pool, std::move(fn));
}

/// As offload(fn), on the pool of `e`, from a coroutine on any executor (a loop or not); it
/// resumes on that coroutine's executor.
template <class F>
task<detail::offload_result_t<F>> offload(engine& e, F fn) {
    co_return co_await detail::offload_on(detail::pool_of(e), std::move(fn));
}

namespace detail {

template <class F>
task<offload_result_t<F>> offload_with_context(worker_pool& pool, context ctx, F fn) {
    using R = offload_result_t<F>;
    if (auto why = ctx.err()) throw std::system_error(why, "corio::offload");
    // The call runs in a coroutine of its own that hands its outcome over a channel, so this
    // one can stop waiting when the context is done; the call itself cannot be interrupted
    // (it is a blocking call on a worker thread): it finishes there and its outcome is
    // dropped.
    chan<outcome<R>> result(1);
    auto run = [](worker_pool& p, F f, chan<outcome<R>> out) -> task<> {
        outcome<R> o;
        try {
            if constexpr (std::is_void_v<R>)
                co_await offload_on(p, std::move(f));
            else
                o.value.emplace(co_await offload_on(p, std::move(f)));
        } catch (...) {
            o.error = std::current_exception();
        }
        out.try_send(std::move(o));
    };
    boost::asio::co_spawn(co_await boost::asio::this_coro::executor,
                          run(pool, std::move(fn), result), boost::asio::detached);
    std::optional<outcome<R>> got;
    auto branch = co_await select(case_recv(result, got), case_done(ctx));
    if (branch == 1 || !got) throw std::system_error(ctx.err(), "corio::offload");
    co_return got->get();
}

} // namespace detail

/// offload(fn) that stops waiting once `ctx` is done: it then throws std::system_error with
/// ctx.err() (errc::canceled or errc::deadline_exceeded). fn itself is not interrupted (a
/// blocking call cannot be): it runs to its end on the worker and its result is dropped; pass
/// fn the context (a copy) if it can stop early. From a coroutine on a corio loop.
template <class F>
task<detail::offload_result_t<F>> offload(context ctx, F fn) {
    auto ex = co_await boost::asio::this_coro::executor;
    auto& pool = detail::pool_of_loop(ex);
    co_return co_await detail::offload_with_context(pool, std::move(ctx), std::move(fn));
}

} // namespace corio
