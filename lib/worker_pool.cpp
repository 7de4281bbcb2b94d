// Worker threads for corio::offload.
#include "worker_pool.hpp"

#include "exact_system_error.hpp"

#include <corio/engine.hpp>

#include <pthread.h>
#include <string>
#include <system_error>

namespace corio::detail {

boost::asio::execution_context::id pool_link::id;

worker_pool::worker_pool(std::size_t threads, std::size_t queue_limit)
    : thread_count_(threads), queue_limit_(queue_limit) {}

worker_pool::~worker_pool() {
    shutdown();
}

void worker_pool::submit(std::unique_ptr<work_item> item) noexcept {
    std::error_code refused;
    try {
        std::lock_guard lock(mutex_);
        if (closed_) {
            refused = make_error_code(errc::shutting_down);
        } else if (queued_ >= queue_limit_) {
            refused = make_error_code(errc::queue_full);
        } else {
            if (threads_.size() < thread_count_) start_threads();
            work_item* raw = item.release();
            raw->next = nullptr;
            if (tail_)
                tail_->next = raw;
            else
                head_ = raw;
            tail_ = raw;
            ++queued_;
        }
    } catch (...) {
        // Starting a thread failed; the threads already started keep working.
        if (item) item->fail(std::current_exception());
        return;
    }
    if (refused) {
        item->fail(std::make_exception_ptr(detail::exact_system_error(
            refused, refused == errc::queue_full
                         ? "corio::offload: worker queue full (options::worker_queue_limit)"
                         : "corio::offload: engine shutting down")));
        return;
    }
    ready_.notify_one();
}

void worker_pool::start_threads() {
    while (threads_.size() < thread_count_) {
        std::size_t index = threads_.size();
        threads_.emplace_back([this, index] { work(index); });
    }
}

void worker_pool::work(std::size_t index) {
    std::string name = "corio-work-" + std::to_string(index);
    ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
    for (;;) {
        work_item* item;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return closed_ || head_; });
            if (closed_) return;
            item = head_;
            head_ = item->next;
            if (!head_) tail_ = nullptr;
            --queued_;
        }
        running_.fetch_add(1, std::memory_order_relaxed);
        item->run();
        delete item;
        running_.fetch_sub(1, std::memory_order_relaxed);
    }
}

void worker_pool::shutdown() noexcept {
    work_item* dropped;
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        dropped = head_;
        head_ = tail_ = nullptr;
        queued_ = 0;
        threads.swap(threads_);
    }
    ready_.notify_all();
    for (auto& t : threads)
        if (t.get_id() != std::this_thread::get_id())
            t.join();
        else
            t.detach();
    // Dropped items destroy their handlers: each awaiting coroutine is destroyed (through its
    // executor) without resuming.
    while (dropped) {
        work_item* next = dropped->next;
        delete dropped;
        dropped = next;
    }
}

void link_pool(boost::asio::execution_context& context, std::shared_ptr<worker_pool> pool) {
    boost::asio::make_service<pool_link>(context, std::move(pool));
}

void submit(worker_pool& pool, std::unique_ptr<work_item> item) noexcept {
    pool.submit(std::move(item));
}

worker_pool* find_pool(boost::asio::execution_context& context) noexcept {
    if (!boost::asio::has_service<pool_link>(context)) return nullptr;
    return boost::asio::use_service<pool_link>(context).pool.get();
}

worker_pool& pool_of(engine& e) {
    worker_pool* pool = find_pool(e.get_loop(0).context());
    if (!pool) throw std::logic_error("corio::offload: engine has no worker pool");
    return *pool;
}

} // namespace corio::detail
