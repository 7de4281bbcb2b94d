// Go's sync package for coroutines: wait_group, once, an awaitable mutex and a counting
// semaphore. They suspend the awaiting coroutine instead of blocking its loop, work across
// loops and threads, and their waits honour cancellation (then they throw
// boost::system::system_error(asio::error::operation_aborted) without taking anything).
// Shared state is the exception in a shard-per-loop design: prefer channels and ownership.
#pragma once

#include <corio/config.hpp>

#include <corio/go/wait.hpp>
#include <corio/task.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <type_traits>

namespace corio {

/// Go's sync.WaitGroup: add() before starting work, done() when each piece ends, wait() until
/// the count is back to zero. Every member may be called from any thread.
class wait_group {
public:
    wait_group() = default;
    wait_group(const wait_group&) = delete;
    wait_group& operator=(const wait_group&) = delete;

    /// Adds n (may be negative) to the count; a count below zero throws std::logic_error, as
    /// Go panics. Reaching zero wakes every wait().
    void add(std::ptrdiff_t n);
    /// add(-1).
    void done() { add(-1); }
    /// Waits until the count is zero (at once if it is).
    task<> wait();
    /// The count now.
    std::ptrdiff_t count() const;

private:
    mutable std::mutex mutex_;
    std::ptrdiff_t count_ = 0;
    detail::wait_list waiters_;
};

/// A counting semaphore (Go's buffered-channel semaphore, or x/sync/semaphore of weight 1):
/// acquire() waits for a permit, release() hands one back, first come first served. Every
/// member may be called from any thread.
class semaphore {
public:
    explicit semaphore(std::size_t permits) noexcept : permits_(permits) {}
    semaphore(const semaphore&) = delete;
    semaphore& operator=(const semaphore&) = delete;

    /// Takes a permit, waiting for one if none is free.
    task<> acquire();
    /// Takes a permit if one is free, without waiting.
    bool try_acquire() noexcept;
    /// Returns a permit: to the longest waiter if any (it resumes on its own executor).
    void release() noexcept;
    /// Free permits now.
    std::size_t available() const noexcept;

private:
    mutable std::mutex mutex_;
    std::size_t permits_;
    detail::wait_list waiters_;
};

/// Go's sync.Mutex for coroutines: lock() suspends instead of blocking the loop; unlock()
/// hands the mutex to the longest waiter. Not recursive; any coroutine may unlock it (as in
/// Go). Every member may be called from any thread.
class mutex {
public:
    mutex() noexcept = default;

    /// Unlocks on destruction (std::lock_guard's job for this mutex).
    class guard {
    public:
        explicit guard(mutex& m) noexcept : m_(&m) {}
        guard(guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
        guard& operator=(guard&&) = delete;
        ~guard() {
            if (m_) m_->unlock();
        }

    private:
        mutex* m_;
    };

    /// Waits until the mutex is free and takes it.
    task<> lock() { return sem_.acquire(); }
    bool try_lock() noexcept { return sem_.try_acquire(); }
    void unlock() noexcept { sem_.release(); }
    /// lock(), then a guard that unlocks: `auto g = co_await mu.scoped_lock();`
    task<guard> scoped_lock();

private:
    semaphore sem_{1};
};

/// Go's sync.Once: call(fn) runs fn the first time only; callers meanwhile wait until it has
/// finished. fn is `void()` or returns a corio::task<>. If fn throws, the exception goes to
/// the caller that ran it and the once counts as done (as Go's Do after a panic). Every
/// member may be called from any thread.
class once {
public:
    once() = default;
    once(const once&) = delete;
    once& operator=(const once&) = delete;

    template <class F>
    task<> call(F fn) {
        auto go_ahead = co_await begin();
        if (!go_ahead) co_return;
        std::exception_ptr error;
        try {
            if constexpr (std::is_void_v<std::invoke_result_t<F&>>)
                fn();
            else
                co_await fn();
        } catch (...) {
            error = std::current_exception();
        }
        finish();
        if (error) std::rethrow_exception(error);
    }
    /// True once fn has run.
    bool is_done() const noexcept;

private:
    // True for the caller that must run fn; false (after waiting, if it runs) for the rest.
    task<bool> begin();
    void finish() noexcept;

    mutable std::mutex mutex_;
    int state_ = 0; // 0 not run, 1 running, 2 done
    detail::wait_list waiters_;
};

} // namespace corio
