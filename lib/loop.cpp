// Loop threads and the per-loop connection list.
#include <corio/connection.hpp>
#include <corio/go/wait.hpp>
#include <corio/loop.hpp>

#include <pthread.h>
#include <sched.h>

namespace corio {

namespace {
thread_local loop* this_thread_loop = nullptr;
}

loop* loop::current() noexcept {
    return this_thread_loop;
}

loop::loop(std::size_t index, std::size_t block_size, std::size_t read_block_size)
    : index_(index), pool_(block_size), read_pool_(read_block_size),
      context_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO) {}

loop::~loop() {
    stop();
    join();
    // A read suspended on its connection's read watch is held by the connection, not by a
    // pending operation: hand each back to the context, which destroys it with the rest.
    for (connection* c = first_; c; c = c->next_) c->read_waiter_.reset();
    // Likewise coroutines woken but not yet resumed when the loop stopped.
    for (detail::waiter* w = ready_head_; w;) {
        detail::waiter* next = w->ready_next;
        w->drop();
        w = next;
    }
}

// Bounded batches: after this many resumptions the loop's other work (I/O, posted jobs) runs
// before the next batch, so ping-ponging coroutines cannot starve it.
constexpr int ready_batch = 64;

void loop::ready_push(detail::waiter& w) noexcept {
    w.ready_next = nullptr;
    if (ready_tail_)
        ready_tail_->ready_next = &w;
    else
        ready_head_ = &w;
    ready_tail_ = &w;
    if (!ready_posted_) {
        try {
            boost::asio::post(context_, [this] { run_ready(); });
            ready_posted_ = true;
        } catch (...) {
            // Out of memory: the next push (or batch) posts the job.
        }
    }
}

void loop::run_ready() {
    for (int n = 0; n < ready_batch && ready_head_; ++n) {
        detail::waiter* w = ready_head_;
        ready_head_ = w->ready_next;
        if (!ready_head_) ready_tail_ = nullptr;
        w->resume_here(); // may queue more: they run in this batch, in order
    }
    ready_posted_ = false;
    if (ready_head_) {
        try {
            boost::asio::post(context_, [this] { run_ready(); });
            ready_posted_ = true;
        } catch (...) {
        }
    }
}

void loop::start(std::optional<unsigned> cpu, std::chrono::microseconds idle_spin) {
    work_.emplace(context_.get_executor());
    thread_ = std::thread([this, cpu, idle_spin] {
        if (cpu) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(*cpu, &set);
            ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
        }
        std::string name = "corio-loop-" + std::to_string(index_);
        ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
        this_thread_loop = this;
        if (idle_spin.count() > 0)
            run_spinning(idle_spin);
        else
            context_.run();
        this_thread_loop = nullptr;
    });
}

// options::idle_spin: run what is ready; once nothing is, poll for up to `idle_spin` (work
// that arrives meanwhile starts the window again) before blocking for the next handler.
void loop::run_spinning(std::chrono::microseconds idle_spin) {
    using clock = std::chrono::steady_clock;
    while (!context_.stopped()) {
        auto until = clock::now() + idle_spin;
        while (clock::now() < until && !context_.stopped()) {
            if (context_.poll() > 0) until = clock::now() + idle_spin;
        }
        if (context_.stopped() || context_.run_one() == 0) break;
    }
}

void loop::stop() noexcept {
    work_.reset();
    context_.stop();
}

void loop::join() noexcept {
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void loop::attach(connection& c) noexcept {
    c.prev_ = nullptr;
    c.next_ = first_;
    if (first_) first_->prev_ = &c;
    first_ = &c;
}

void loop::detach(connection& c) noexcept {
    if (c.prev_)
        c.prev_->next_ = c.next_;
    else if (first_ == &c)
        first_ = c.next_;
    if (c.next_) c.next_->prev_ = c.prev_;
    c.prev_ = c.next_ = nullptr;
}

// One posted job per turn sends for every connection that asked since the last one. Posted
// when the list goes from empty to not, it runs after the work queued before it: the other
// connections' reads and replies of this turn, so their sends leave together.
void loop::defer_flush(std::shared_ptr<connection> c) {
    if (deferred_flushes_.empty()) boost::asio::post(context_, [this] { run_deferred_flushes(); });
    deferred_flushes_.push_back(std::move(c));
}

void loop::run_deferred_flushes() {
    flushing_.swap(deferred_flushes_);
    for (auto& c : flushing_) {
        c->flush_queued_ = false;
        if (!c->closed_) c->send_or_arm_drain();
    }
    flushing_.clear();
}

} // namespace corio
