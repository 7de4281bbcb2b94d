// The engine's pool of worker threads for corio::offload: a bounded FIFO of work items,
// threads started on the first submit, and a service on each loop's io_context through which
// offload finds the pool from the awaiting coroutine's executor.
#pragma once

#include <corio/offload.hpp>

#include <boost/asio/execution_context.hpp>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace corio::detail {

class worker_pool {
public:
    worker_pool(std::size_t threads, std::size_t queue_limit);
    ~worker_pool();
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;

    /// Queues `item` (starting the threads on first use) or fails it (queue_full,
    /// shutting_down, or the error of starting a thread).
    void submit(std::unique_ptr<work_item> item) noexcept;

    /// Refuses new work, drops queued items without running them, and joins the threads
    /// (waiting for items already running). Idempotent.
    void shutdown() noexcept;

    /// Calls running on a worker now (for the stop's log lines). Any thread.
    std::size_t running() const noexcept { return running_.load(std::memory_order_relaxed); }

private:
    void work(std::size_t index);
    void start_threads(); // mutex held

    const std::size_t thread_count_;
    const std::size_t queue_limit_;
    std::mutex mutex_;
    std::condition_variable ready_;
    work_item* head_ = nullptr;
    work_item* tail_ = nullptr;
    std::size_t queued_ = 0;
    std::atomic<std::size_t> running_{0};
    bool closed_ = false;
    std::vector<std::thread> threads_;
};

/// Registered on each loop's io_context: the engine's pool, for find_pool().
class pool_link final : public boost::asio::execution_context::service {
public:
    static boost::asio::execution_context::id id;

    explicit pool_link(boost::asio::execution_context& ctx) : service(ctx) {}
    pool_link(boost::asio::execution_context& ctx, std::shared_ptr<worker_pool> p)
        : service(ctx), pool(std::move(p)) {}

    std::shared_ptr<worker_pool> pool;

private:
    void shutdown() override {}
};

/// Makes `pool` the one offload finds from coroutines running on `context`.
void link_pool(boost::asio::execution_context& context, std::shared_ptr<worker_pool> pool);

} // namespace corio::detail
