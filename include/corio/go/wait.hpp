// The waiting machinery under corio's Go-style kit (channels, select, contexts, sync): a
// suspended coroutine is one `waiter`, which may be queued (as `wait_node`s) on several
// channels at once; whichever counterpart claims it first, with one atomic exchange, completes
// it, as Go's select does. Details of the public headers beside this one, not an API.
#pragma once

#include <corio/config.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <optional>
#include <utility>

namespace corio {
class loop;
}

namespace corio::detail {

/// What a suspended coroutine is resumed with (Asio's handler for `use_awaitable`).
using resume_handler =
    boost::asio::async_result<boost::asio::use_awaitable_t<>, void()>::handler_type;

/// One suspended wait: a coroutine (resumed on its own executor) or a callback (called on the
/// claiming thread, under the lock of what it waited on: it must be short and not re-enter).
class waiter {
public:
    static constexpr int open = -1;
    static constexpr int cancelled = -2;

    waiter() = default;
    /// A callback waiter: `notify(*this)` runs once it is claimed.
    explicit waiter(void (*notify)(waiter&)) noexcept : notify_(notify) {}
    waiter(const waiter&) = delete;
    waiter& operator=(const waiter&) = delete;

    /// Claims the waiter for branch `index` (or `cancelled`): true for exactly one caller.
    /// Any thread.
    bool claim(int index) noexcept {
        int expected = open;
        return winner_.compare_exchange_strong(expected, index, std::memory_order_acq_rel,
                                               std::memory_order_acquire);
    }
    /// The claimed branch, `cancelled`, or `open`.
    int winner() const noexcept { return winner_.load(std::memory_order_acquire); }

    /// After a successful claim: resumes the coroutine on its own executor, or runs the
    /// callback. Any thread; the waiter (in the suspended coroutine's frame) stays valid until
    /// the coroutine runs again.
    void wake() noexcept {
        if (notify_) {
            notify_(*this);
            return;
        }
        // Woken from its own loop's thread (a channel partner on the same loop): the loop's
        // ready queue resumes it, many per posted job, instead of one post each (a post
        // costs a reactor poll per hop in Asio's scheduler).
        if (home_ && ready_on(home_, this)) return;
        resume_handler h = std::move(*handler_);
        handler_.reset();
        auto ex = boost::asio::get_associated_executor(h);
        try {
            boost::asio::post(ex, [this, h = std::move(h)]() mutable {
                // Here, on the coroutine's own thread, where cancellation is emitted too.
                slot_.clear();
                std::move(h)();
            });
        } catch (...) {
            // Out of memory: the coroutine is destroyed with its handler.
        }
    }

    /// Suspends the calling coroutine. `arm()` runs once the coroutine can be woken (its
    /// handler stored): it queues the waiter, or claims and wakes it at once. A cancellation
    /// (terminal, partial or total) claims the waiter as `cancelled`, runs `disarm()` (which
    /// unqueues it) and resumes the coroutine; the caller then reads winner().
    template <class Arm, class Disarm>
    auto suspend(Arm arm, Disarm disarm) {
        namespace asio = boost::asio;
        return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
            [this, arm = std::move(arm), disarm = std::move(disarm)](resume_handler h) mutable {
                auto slot = asio::get_associated_cancellation_slot(h);
                home_ = loop_of(h);
                handler_.emplace(std::move(h));
                if (slot.is_connected()) {
                    slot_ = slot;
                    slot.template emplace<cancel_handler<Disarm>>(this, std::move(disarm));
                }
                arm();
            },
            asio::use_awaitable);
    }

    /// For the loop's ready queue (loop thread): resumes the coroutine here and now.
    void resume_here() noexcept {
        resume_handler h = std::move(*handler_);
        handler_.reset();
        slot_.clear();
        std::move(h)();
    }
    /// For the loop's ready queue when the loop goes away with waiters queued: drops the
    /// coroutine (its frames are destroyed through its executor, as Asio does).
    void drop() noexcept { handler_.reset(); }
    /// The loop's ready queue link (loop thread only).
    waiter* ready_next = nullptr;

private:
    // The loop whose executor `h` resumes on, if the coroutine runs on a corio loop's own
    // executor (not a strand or another executor on that thread); null otherwise.
    static loop* loop_of(const resume_handler& h) noexcept;
    // On `l`'s thread: queues w on l's ready queue (true); false off that thread.
    static bool ready_on(loop* l, waiter* w) noexcept;

    template <class Disarm>
    struct cancel_handler {
        waiter* self;
        Disarm disarm;
        cancel_handler(waiter* w, Disarm d) : self(w), disarm(std::move(d)) {}
        void operator()(boost::asio::cancellation_type type) {
            if ((type & boost::asio::cancellation_type::all) ==
                boost::asio::cancellation_type::none)
                return;
            if (!self->claim(cancelled)) return; // already won: its wake is on the way
            disarm();
            self->wake();
        }
    };

    std::atomic<int> winner_{open};
    void (*notify_)(waiter&) = nullptr;
    loop* home_ = nullptr;
    std::optional<resume_handler> handler_;
    boost::asio::cancellation_slot slot_;
};

/// One registration of a waiter on one queue (a channel's senders or receivers).
struct wait_node {
    wait_node* prev = nullptr;
    wait_node* next = nullptr;
    waiter* owner = nullptr;
    int index = 0;        // the select branch this node stands for
    bool queued = false;  // on a list now (under that list's lock)
    bool closed = false;  // completed by close(): a send failed, a receive got nothing
    void* slot = nullptr; // a send's value (T*) or a receive's result (std::optional<T>*)
};

/// An intrusive FIFO of wait_nodes, guarded by its owner's lock.
class wait_list {
public:
    bool empty() const noexcept { return head_ == nullptr; }
    std::size_t size() const noexcept { return size_; }
    void push_back(wait_node& n) noexcept {
        n.prev = tail_;
        n.next = nullptr;
        if (tail_)
            tail_->next = &n;
        else
            head_ = &n;
        tail_ = &n;
        n.queued = true;
        ++size_;
    }
    void remove(wait_node& n) noexcept {
        if (!n.queued) return;
        if (n.prev)
            n.prev->next = n.next;
        else
            head_ = n.next;
        if (n.next)
            n.next->prev = n.prev;
        else
            tail_ = n.prev;
        n.prev = n.next = nullptr;
        n.queued = false;
        --size_;
    }
    /// Unqueues nodes from the front until one whose waiter it can claim (for that node's
    /// branch); nodes of waiters already claimed elsewhere are dropped. Null if none.
    wait_node* claim_first() noexcept {
        while (wait_node* n = head_) {
            remove(*n);
            if (n->owner->claim(n->index)) return n;
        }
        return nullptr;
    }

private:
    wait_node* head_ = nullptr;
    wait_node* tail_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace corio::detail
