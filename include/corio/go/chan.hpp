// Go's channels: `corio::chan<T>` is a handle (copies share one channel, as Go's channel
// values do), unbuffered or buffered, safe between loops and threads. Send and receive are
// awaitable, close has Go's semantics, and every operation can take part in corio::select.
//
//     corio::chan<int> jobs(16);                        // make(chan int, 16)
//     co_await jobs.send(7);                            // jobs <- 7
//     while (auto j = co_await jobs.receive()) use(*j); // for j := range jobs
//     jobs.close();                                     // close(jobs)
//
// Why not Asio's concurrent_channel: Go's select must complete exactly one of several channel
// operations, and Asio's channel operations cannot be withdrawn once a value has moved into
// them (racing two receives with `||` can lose a value); nor does it tell len(). corio's
// channel queues waiters that can be claimed exactly once (go/wait.hpp) and wakes them with
// Asio's own machinery: completion on the waiter's executor, cancellation slots (so `||` and
// a spawned coroutine's cancellation reach a blocked send or receive).
#pragma once

#include <corio/config.hpp>

#include <corio/error.hpp>
#include <corio/go/wait.hpp>
#include <corio/task.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

namespace corio {

namespace detail {

/// What select needs of any channel: its lock and its two queues.
class chan_core {
public:
    explicit chan_core(std::size_t capacity) : cap_(capacity) {}
    chan_core(const chan_core&) = delete;
    chan_core& operator=(const chan_core&) = delete;

    std::mutex mutex;
    wait_list receivers; // receives waiting (the buffer is empty)
    wait_list senders;   // sends waiting (the buffer is full, or no buffer)
    bool closed = false;

    std::size_t capacity() const noexcept { return cap_; }
    /// Buffered values (a snapshot when read without the lock).
    std::size_t size() const noexcept { return count_.load(std::memory_order_relaxed); }

protected:
    std::size_t cap_;
    std::atomic<std::size_t> count_{0};
};

/// The outcome of a send attempted under the lock.
enum class send_status { done, closed, not_ready };

template <class T>
class chan_state final : public chan_core {
public:
    explicit chan_state(std::size_t capacity) : chan_core(capacity), ring_(capacity) {}

    /// Whoever still waits when the last handle goes (a coroutine that holds the channel by
    /// reference) is woken as by close(): a receive gets nothing, a send fails.
    ~chan_state() { close_locked(); }

    /// Under the lock: takes a value if one is ready (buffered, or from a waiting sender),
    /// or nothing if the channel is closed and drained. False if the receive must wait.
    bool try_receive_locked(std::optional<T>& out) {
        std::size_t n = count_.load(std::memory_order_relaxed);
        if (n > 0) {
            out.emplace(std::move(*ring_[head_]));
            ring_[head_].reset();
            head_ = (head_ + 1) % cap_;
            --n;
            // A waiting sender's value takes the freed place, keeping the order.
            if (wait_node* s = senders.claim_first()) {
                ring_[(head_ + n) % cap_].emplace(std::move(*static_cast<T*>(s->slot)));
                ++n;
                s->owner->wake();
            }
            count_.store(n, std::memory_order_relaxed);
            return true;
        }
        if (wait_node* s = senders.claim_first()) {
            out.emplace(std::move(*static_cast<T*>(s->slot)));
            s->owner->wake();
            return true;
        }
        if (closed) {
            out.reset();
            return true;
        }
        return false;
    }

    /// Under the lock: hands `v` to a waiting receiver or buffers it.
    send_status try_send_locked(T& v) {
        if (closed) return send_status::closed;
        if (wait_node* r = receivers.claim_first()) {
            // A receiver without a slot (a context watch) wants the event, not the value.
            if (r->slot) static_cast<std::optional<T>*>(r->slot)->emplace(std::move(v));
            r->owner->wake();
            return send_status::done;
        }
        std::size_t n = count_.load(std::memory_order_relaxed);
        if (n < cap_) {
            ring_[(head_ + n) % cap_].emplace(std::move(v));
            count_.store(n + 1, std::memory_order_relaxed);
            return send_status::done;
        }
        return send_status::not_ready;
    }

    /// Under the lock: marks the channel closed and wakes every waiter (receivers get nothing,
    /// senders fail). False if it was closed already.
    bool close_locked() noexcept {
        if (closed) return false;
        closed = true;
        while (wait_node* r = receivers.claim_first()) {
            if (r->slot) static_cast<std::optional<T>*>(r->slot)->reset();
            r->closed = true;
            r->owner->wake();
        }
        while (wait_node* s = senders.claim_first()) {
            s->closed = true;
            s->owner->wake();
        }
        return true;
    }

private:
    std::vector<std::optional<T>> ring_; // cap_ places; values at head_ .. head_ + count_
    std::size_t head_ = 0;
};

[[noreturn]] inline void throw_closed_send() {
    throw std::system_error(make_error_code(errc::channel_closed), "corio::chan: send");
}
[[noreturn]] inline void throw_cancelled(const char* what) {
    // Asio's own exception for a cancelled operation, as a cancelled timer wait throws it.
    throw boost::system::system_error(boost::asio::error::operation_aborted, what);
}

} // namespace detail

/// A channel of T, used through handles like Go's channel values: a const handle still
/// sends, receives and closes. A default-constructed chan is Go's nil channel: its send and receive
/// block until cancelled, and in a select its branches are never chosen. Every member may be called
/// from any thread; awaiting coroutines resume on their own executors.
template <class T>
class chan {
public:
    using value_type = T;

    /// The nil channel.
    chan() noexcept = default;
    /// A channel buffering up to `capacity` values; 0 makes it unbuffered (a send waits for a
    /// receiver, as in Go).
    explicit chan(std::size_t capacity)
        : state_(std::make_shared<detail::chan_state<T>>(capacity)) {}

    /// Go's `ch <- v`: waits while the channel is full (or, unbuffered, until a receiver takes
    /// v). Throws std::system_error(errc::channel_closed) if the channel is or becomes closed
    /// (Go panics), boost::system::system_error(asio::error::operation_aborted) if the wait is
    /// cancelled (then v was not sent).
    task<> send(T v) const {
        if (!state_) {
            co_await block_forever();
            co_return;
        }
        auto& s = *state_;
        {
            std::lock_guard lock(s.mutex);
            auto status = s.try_send_locked(v);
            if (status == detail::send_status::done) co_return;
            if (status == detail::send_status::closed) detail::throw_closed_send();
        }
        detail::waiter w;
        detail::wait_node node;
        node.owner = &w;
        node.slot = &v;
        co_await w.suspend(
            [&] {
                std::lock_guard lock(s.mutex);
                auto status = s.try_send_locked(v);
                if (status == detail::send_status::not_ready) {
                    s.senders.push_back(node);
                    return;
                }
                node.closed = status == detail::send_status::closed;
                if (w.claim(0)) w.wake();
            },
            [&] {
                std::lock_guard lock(s.mutex);
                s.senders.remove(node);
            });
        if (w.winner() == detail::waiter::cancelled) detail::throw_cancelled("corio::chan: send");
        if (node.closed) detail::throw_closed_send();
    }

    /// Go's `v, ok := <-ch`: the next value, or nullopt once the channel is closed and
    /// drained. Throws boost::system::system_error(asio::error::operation_aborted) if the
    /// wait is cancelled (then nothing was received).
    task<std::optional<T>> receive() const {
        std::optional<T> out;
        if (!state_) {
            co_await block_forever();
            co_return out;
        }
        auto& s = *state_;
        {
            std::lock_guard lock(s.mutex);
            if (s.try_receive_locked(out)) co_return out;
        }
        detail::waiter w;
        detail::wait_node node;
        node.owner = &w;
        node.slot = &out;
        co_await w.suspend(
            [&] {
                std::lock_guard lock(s.mutex);
                if (!s.try_receive_locked(out)) {
                    s.receivers.push_back(node);
                    return;
                }
                if (w.claim(0)) w.wake();
            },
            [&] {
                std::lock_guard lock(s.mutex);
                s.receivers.remove(node);
            });
        if (w.winner() == detail::waiter::cancelled)
            detail::throw_cancelled("corio::chan: receive");
        co_return out;
    }

    /// Sends without waiting: true if a receiver took v or the buffer had room (then v is
    /// moved from), false if the send would wait. Throws errc::channel_closed on a closed
    /// channel. False on the nil channel.
    bool try_send(T& v) const {
        if (!state_) return false;
        std::lock_guard lock(state_->mutex);
        auto status = state_->try_send_locked(v);
        if (status == detail::send_status::closed) detail::throw_closed_send();
        return status == detail::send_status::done;
    }
    bool try_send(T&& v) const { return try_send(v); }

    /// Receives without waiting: a value if one is ready; nullopt if none is, or the channel
    /// is closed and drained (tell the two apart with closed_and_drained()).
    std::optional<T> try_receive() const {
        std::optional<T> out;
        if (!state_) return out;
        std::lock_guard lock(state_->mutex);
        state_->try_receive_locked(out);
        return out;
    }

    /// Go's close(ch): receivers drain what is buffered, then get nullopt; waiting and later
    /// sends throw errc::channel_closed. Closing a closed (or nil) channel throws
    /// std::system_error(errc::channel_closed), as Go panics.
    void close() const {
        if (!state_ || !close_if_open())
            throw std::system_error(make_error_code(errc::channel_closed), "corio::chan: close");
    }
    /// Closes the channel unless it is closed already; false if it was. Never throws.
    bool close_if_open() const noexcept {
        if (!state_) return false;
        std::lock_guard lock(state_->mutex);
        return state_->close_locked();
    }

    /// Go's len(ch): values buffered now (a snapshot).
    std::size_t len() const noexcept { return state_ ? state_->size() : 0; }
    /// Go's cap(ch).
    std::size_t cap() const noexcept { return state_ ? state_->capacity() : 0; }
    bool is_closed() const {
        if (!state_) return false;
        std::lock_guard lock(state_->mutex);
        return state_->closed;
    }
    /// Closed with nothing left to receive.
    bool closed_and_drained() const {
        if (!state_) return false;
        std::lock_guard lock(state_->mutex);
        return state_->closed && state_->size() == 0;
    }
    /// False for the nil channel.
    explicit operator bool() const noexcept { return state_ != nullptr; }
    friend bool operator==(const chan& a, const chan& b) noexcept { return a.state_ == b.state_; }

    /// For select: the shared state (null for the nil channel).
    detail::chan_state<T>* state() const noexcept { return state_.get(); }

private:
    static task<> block_forever() {
        detail::waiter w;
        co_await w.suspend([] {}, [] {});
        detail::throw_cancelled("corio::chan: operation on a nil channel");
    }

    std::shared_ptr<detail::chan_state<T>> state_;
};

} // namespace corio
