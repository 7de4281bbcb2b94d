// One event loop: an io_context (concurrency hint 1) run by one thread, optionally pinned to
// a core. A loop owns its connections for life and knows how many it has; other threads
// reach it only by posting work to it.
#pragma once

#include <corio/config.hpp>

#include <corio/buffer/pool.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace corio {

class connection;
class engine;
namespace detail {
struct go_entry;
class waiter;
} // namespace detail

class loop {
public:
    using executor_type = boost::asio::io_context::executor_type;

    /// Loops are made by the engine. `block_size` sizes the blocks of outbound buffers;
    /// `read_block_size` the first (pooled) block of each inbound buffer.
    loop(std::size_t index, std::size_t block_size, std::size_t read_block_size = 16384);
    ~loop();
    loop(const loop&) = delete;
    loop& operator=(const loop&) = delete;

    /// Position in the engine's loop list.
    std::size_t index() const noexcept { return index_; }
    executor_type get_executor() noexcept { return context_.get_executor(); }
    boost::asio::io_context& context() noexcept { return context_; }

    /// Live connections owned by (or being handed to) this loop. Any thread.
    std::size_t connection_count() const noexcept { return count_.load(std::memory_order_relaxed); }

    /// Coroutines started on this loop with corio::go and still running. Any thread.
    std::size_t goroutine_count() const noexcept {
        return goroutines_.load(std::memory_order_relaxed);
    }
    /// The engine this loop belongs to.
    corio::engine& owner_engine() noexcept { return *engine_; }

    /// Runs f on this loop's thread. Any thread.
    template <class F>
    void post(F&& f) {
        boost::asio::post(context_, std::forward<F>(f));
    }

    /// The loop whose thread calls this, or null off the loops. Any thread.
    static loop* current() noexcept;

    /// True on this loop's own thread.
    bool running_in_this_thread() const noexcept {
        return const_cast<boost::asio::io_context&>(context_)
            .get_executor()
            .running_in_this_thread();
    }

    /// This loop's block pool for outbound buffers: loop thread only.
    buffer::block_pool& pool() noexcept { return pool_; }
    /// This loop's pool of inbound read blocks: loop thread only.
    buffer::block_pool& read_pool() noexcept { return read_pool_; }

private:
    friend class connection;
    friend class engine;
    friend struct engine_access;

    void start(std::optional<unsigned> cpu, std::chrono::microseconds idle_spin);
    void run_spinning(std::chrono::microseconds idle_spin);
    void stop() noexcept;
    void join() noexcept;
    void attach(connection& c) noexcept;
    void detach(connection& c) noexcept;
    // connection::flush_soon: queue c's send for the end of this turn (loop thread only).
    void defer_flush(std::shared_ptr<connection> c);
    void run_deferred_flushes();

public:
    /// The Go-style kit's ready queue (go/wait.hpp): coroutines woken on this loop's own
    /// thread, resumed in order by one posted job per batch. Loop thread only.
    void ready_push(detail::waiter& w) noexcept;

private:
    void run_ready();

    std::size_t index_;
    // The pool is declared before the context so it outlives connections whose coroutine
    // frames the context destroys at shutdown.
    buffer::block_pool pool_;
    buffer::block_pool read_pool_;
    boost::asio::io_context context_;
    std::optional<boost::asio::executor_work_guard<executor_type>> work_;
    std::thread thread_;
    std::atomic<std::size_t> count_{0};
    std::atomic<std::size_t> goroutines_{0};
    corio::engine* engine_ = nullptr;
    connection* first_ = nullptr;          // intrusive list of attached connections
    detail::go_entry* go_first_ = nullptr; // intrusive list of running corio::go coroutines
    // Connections whose send waits for the end of the turn (flush_soon), and the spare list
    // the drain swaps in, so that neither allocates once warm.
    std::vector<std::shared_ptr<connection>> deferred_flushes_;
    std::vector<std::shared_ptr<connection>> flushing_;
    std::uint32_t sweep_generation_ = 0;
    detail::waiter* ready_head_ = nullptr;
    detail::waiter* ready_tail_ = nullptr;
    bool ready_posted_ = false;
};

} // namespace corio
