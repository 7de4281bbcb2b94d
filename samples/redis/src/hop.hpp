// A hop: running a step on another shard's loop and coming back, waiting in the shard's
// queue while a multi-shard operation holds it.
#pragma once

#include "shard.hpp"

#include <corio/task.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

namespace corio_redis::detail {

namespace asio = boost::asio;

// Work waiting for a held shard: re-runs its step when the shard is released, then resumes
// the waiting coroutine on its own executor.
template <class Step, class Executor, class Handler>
struct shard_job final : shard_waiter {
    shard_job(shard& s, Step& step, Executor home, Handler handler)
        : s_(s), step_(step), home_(std::move(home)), handler_(std::move(handler)) {}
    void resume(std::unique_ptr<shard_waiter> self) override {
        if (!step_()) {
            s_.waiters.push_back(std::move(self));
            return;
        }
        asio::post(home_, std::move(handler_));
    }
    shard& s_;
    Step& step_;
    Executor home_;
    Handler handler_;
};

// Runs step() on shard s's loop and resumes the calling coroutine on its own loop once step
// returns true. step returns false when s is held by another operation: it then waits in the
// shard's queue and runs again when s is released. The caller is suspended meanwhile, so
// step may use the caller's state (its reply buffer, its parsed arguments) without a lock:
// the posts order every access.
//
// A step returns false only before it has done anything, so a caller already on s's loop
// tries it inline first: `if (s.index != here || !step()) co_await run_on(s, step);`.
template <class Step>
corio::task<> run_on(shard& s, Step& step) {
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [&s, &step](auto handler) {
            auto home = asio::get_associated_executor(handler);
            using job = shard_job<Step, decltype(home), decltype(handler)>;
            // The job (an allocation) is made only when the shard is held: a plain hop
            // carries the handler in the posted function.
            s.loop.post([&s, &step, home = std::move(home), h = std::move(handler)]() mutable {
                if (step()) {
                    asio::post(home, std::move(h));
                    return;
                }
                s.waiters.push_back(std::make_unique<job>(s, step, std::move(home), std::move(h)));
            });
        },
        asio::use_awaitable);
}

} // namespace corio_redis::detail
