// A hop: running a step on another shard's loop and coming back, waiting in the shard's
// queue while a multi-shard operation holds it.
#pragma once

#include "shard.hpp"

#include <corio/task.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <string>

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
            note_conflict();
            s_.waiters.push_back(std::move(self));
            return;
        }
        asio::post(home_, std::move(handler_));
    }
    bool still_blocked(const shard& s) const override {
        return s.conflict_holds(by_owner_, blocked_key_);
    }
    // What made the step fail (shard.hpp: conflict_owner, conflict_key). A step that failed
    // for some other reason records neither and is always run again.
    void note_conflict() {
        by_owner_ = s_.conflict_owner;
        blocked_key_ = s_.conflict_key;
        s_.conflict_owner = false;
        s_.conflict_key.clear();
    }
    shard& s_;
    Step& step_;
    Executor home_;
    Handler handler_;
    bool by_owner_ = false;
    std::string blocked_key_;
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
                auto waiting = std::make_unique<job>(s, step, std::move(home), std::move(h));
                waiting->note_conflict();
                s.waiters.push_back(std::move(waiting));
            });
        },
        asio::use_awaitable);
}

} // namespace corio_redis::detail
