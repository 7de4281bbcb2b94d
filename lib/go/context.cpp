// Contexts: the cancel tree (Go's propagateCancel and cancelCtx.cancel), deadlines on
// timers, values, and the watch that lets connections and dials notice a done context.
#include <corio/go/context.hpp>
#include <corio/go/select.hpp>

#include "timer_home.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

namespace corio {
namespace asio = boost::asio;

namespace detail {

namespace {

// The deadline's timer. Only its own thread touches it: the wait's handler owns it, and a
// cancel before the deadline is posted there.
struct deadline_timer {
    explicit deadline_timer(asio::io_context::executor_type ex) : timer(ex) {}
    asio::steady_timer timer;
};

} // namespace

// The nearest cancelable ancestor (or self): the one whose cancellation reaches this one.
context_state* cancel_root(context_state* s) noexcept {
    while (s && !s->cancelable) s = s->parent.get();
    return s;
}

void cancel_context(const std::shared_ptr<context_state>& s, std::error_code why,
                    bool remove_from_parent) noexcept {
    std::vector<std::shared_ptr<context_state>> children;
    std::shared_ptr<void> timer;
    {
        std::lock_guard lock(s->mutex);
        if (s->err) return;
        s->err = why;
        children.swap(s->children);
        timer = std::move(s->timer);
    }
    s->done.close_if_open();
    for (auto& c : children) cancel_context(c, why, false);
    if (timer) {
        auto t = std::static_pointer_cast<deadline_timer>(timer);
        asio::post(t->timer.get_executor(), [t] { t->timer.cancel(); });
    }
    if (remove_from_parent) {
        if (context_state* p = cancel_root(s->parent.get())) {
            std::lock_guard lock(p->mutex);
            std::erase(p->children, s);
        }
    }
}

context_watch::context_watch(const context& ctx, std::function<void()> fn)
    : done_(ctx.done()), fn_(std::move(fn)) {
    auto* core = done_.state();
    if (!core) return; // cannot be canceled
    node_.owner = &waiter_;
    node_.slot = nullptr;
    std::lock_guard lock(core->mutex);
    if (core->closed) {
        if (waiter_.claim(0)) fn_();
        return;
    }
    core->receivers.push_back(node_);
}

context_watch::~context_watch() {
    auto* core = done_.state();
    if (!core) return;
    std::lock_guard lock(core->mutex);
    core->receivers.remove(node_);
}

void context_watch::fire(waiter& w) noexcept {
    auto* self = static_cast<hook&>(w).self;
    try {
        self->fn_();
    } catch (...) {
    }
}

} // namespace detail

chan<std::monostate> context::done() const {
    if (auto* root = detail::cancel_root(state_.get())) return root->done;
    return {};
}

std::error_code context::err() const {
    for (auto* s = state_.get(); s; s = s->parent.get()) {
        if (!s->cancelable) continue;
        std::lock_guard lock(s->mutex);
        return s->err;
    }
    return {};
}

std::optional<context::clock::time_point> context::deadline() const {
    for (auto* s = state_.get(); s; s = s->parent.get())
        if (s->cancelable) {
            if (s->deadline == clock::time_point::max()) return std::nullopt;
            return s->deadline;
        }
    return std::nullopt;
}

const std::any* context::value(std::string_view key) const {
    for (auto* s = state_.get(); s; s = s->parent.get())
        if (s->has_value && s->key == key) return &s->value;
    return nullptr;
}

task<> context::wait() const {
    co_await select(case_done(*this));
}

std::pair<context, cancel_func> make_cancelable(const context& parent,
                                                context::clock::time_point deadline) {
    using clock = context::clock;
    auto s = std::make_shared<detail::context_state>();
    s->parent = parent.state();
    s->cancelable = true;
    s->done = chan<std::monostate>(0);
    detail::context_state* root = detail::cancel_root(s->parent.get());
    // A parent's earlier deadline already covers this one (Go's WithDeadline does the same).
    if (root && root->deadline <= deadline) deadline = clock::time_point::max();
    s->deadline = root ? std::min(deadline, root->deadline) : deadline;
    std::error_code parent_err;
    if (root) {
        std::lock_guard lock(root->mutex);
        parent_err = root->err;
        if (!parent_err) root->children.push_back(s);
    }
    context ctx(s);
    cancel_func cancel(s);
    if (parent_err) {
        detail::cancel_context(s, parent_err, false);
        return {ctx, cancel};
    }
    if (deadline != clock::time_point::max()) {
        if (clock::now() >= deadline) {
            detail::cancel_context(s, errc::deadline_exceeded, true);
            return {ctx, cancel};
        }
        auto t = std::make_shared<detail::deadline_timer>(detail::timer_executor());
        {
            std::lock_guard lock(s->mutex);
            s->timer = t;
        }
        std::weak_ptr<detail::context_state> weak = s;
        // Armed on the timer's own thread (the timer is only touched there).
        asio::post(t->timer.get_executor(), [t, weak, deadline] {
            t->timer.expires_at(deadline);
            t->timer.async_wait([t, weak](const boost::system::error_code& ec) {
                if (ec) return;
                if (auto state = weak.lock())
                    detail::cancel_context(state, errc::deadline_exceeded, true);
            });
        });
    }
    return {ctx, cancel};
}

std::pair<context, cancel_func> with_cancel(const context& parent) {
    return make_cancelable(parent, context::clock::time_point::max());
}

std::pair<context, cancel_func> with_deadline(const context& parent,
                                              context::clock::time_point when) {
    return make_cancelable(parent, when);
}

std::pair<context, cancel_func> with_timeout(const context& parent, context::clock::duration d) {
    return make_cancelable(parent, context::clock::now() + d);
}

context with_value(const context& parent, std::string key, std::any value) {
    auto s = std::make_shared<detail::context_state>();
    s->parent = parent.state();
    s->key = std::move(key);
    s->value = std::move(value);
    s->has_value = true;
    return context(std::move(s));
}

} // namespace corio
