// wait_group, semaphore, mutex and once (see <corio/go/sync.hpp>).
#include <corio/go/chan.hpp>
#include <corio/go/sync.hpp>

#include <stdexcept>

namespace corio {
using detail::wait_node;
using detail::waiter;

namespace {

// Suspends until a wake for this node, with `ready()` rechecked under the lock once the
// coroutine can be woken (it claims at once if so); throws if cancelled.
template <class Ready>
task<> wait_on(std::mutex& m, detail::wait_list& list, Ready ready, const char* what) {
    waiter w;
    wait_node node;
    node.owner = &w;
    co_await w.suspend(
        [&] {
            std::lock_guard lock(m);
            if (ready()) {
                if (w.claim(0)) w.wake();
                return;
            }
            list.push_back(node);
        },
        [&] {
            std::lock_guard lock(m);
            list.remove(node);
        });
    if (w.winner() == waiter::cancelled) detail::throw_cancelled(what);
}

void wake_all(detail::wait_list& list) noexcept {
    while (wait_node* n = list.claim_first()) n->owner->wake();
}

} // namespace

// ---- wait_group ----

void wait_group::add(std::ptrdiff_t n) {
    std::lock_guard lock(mutex_);
    if (count_ + n < 0) throw std::logic_error("corio::wait_group: negative counter");
    count_ += n;
    if (count_ == 0) wake_all(waiters_);
}

task<> wait_group::wait() {
    {
        std::lock_guard lock(mutex_);
        if (count_ == 0) co_return;
    }
    auto ready = [this] { return count_ == 0; };
    co_await wait_on(mutex_, waiters_, ready, "corio::wait_group: wait");
}

std::ptrdiff_t wait_group::count() const {
    std::lock_guard lock(mutex_);
    return count_;
}

// ---- semaphore ----

task<> semaphore::acquire() {
    if (try_acquire()) co_return;
    // Rechecked under the lock: a permit freed meanwhile is taken here; otherwise release()
    // hands its permit straight to this waiter.
    auto ready = [this] {
        if (permits_ == 0) return false;
        --permits_;
        return true;
    };
    co_await wait_on(mutex_, waiters_, ready, "corio::semaphore: acquire");
}

bool semaphore::try_acquire() noexcept {
    std::lock_guard lock(mutex_);
    if (permits_ == 0) return false;
    --permits_;
    return true;
}

void semaphore::release() noexcept {
    std::lock_guard lock(mutex_);
    if (wait_node* n = waiters_.claim_first()) {
        n->owner->wake(); // the permit passes to it
        return;
    }
    ++permits_;
}

std::size_t semaphore::available() const noexcept {
    std::lock_guard lock(mutex_);
    return permits_;
}

// ---- mutex ----

task<mutex::guard> mutex::scoped_lock() {
    co_await lock();
    co_return guard(*this);
}

// ---- once ----

task<bool> once::begin() {
    {
        std::lock_guard lock(mutex_);
        if (state_ == 2) co_return false;
        if (state_ == 0) {
            state_ = 1;
            co_return true;
        }
    }
    auto ready = [this] { return state_ == 2; };
    co_await wait_on(mutex_, waiters_, ready, "corio::once: call");
    co_return false;
}

void once::finish() noexcept {
    std::lock_guard lock(mutex_);
    state_ = 2;
    wake_all(waiters_);
}

bool once::is_done() const noexcept {
    std::lock_guard lock(mutex_);
    return state_ == 2;
}

} // namespace corio
