// corio::go's bookkeeping: per-loop counts and lists of running coroutines, the log line for
// what escapes one, and their cancellation at the engine's stop (see engine_stop.cpp).
#include <corio/engine.hpp>
#include <corio/go/spawn.hpp>

#include "../engine_access.hpp"
#include "../exception_text.hpp"
#include "../tls_context.hpp" // engine_access.hpp needs tls_session whole
#include "go_stop.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <fmt/format.h>
#include <stdexcept>

namespace corio::detail {

namespace {
std::atomic<std::uint64_t> next_id{1};

// A cancellation the engine's stop caused: the coroutine unwinding from it is not an error.
bool is_cancellation(std::exception_ptr p) {
    try {
        std::rethrow_exception(p);
    } catch (const boost::system::system_error& e) {
        return e.code() == boost::asio::error::operation_aborted;
    } catch (...) {
        return false;
    }
}
} // namespace

go_entry* go_begin(loop& l, std::string name) {
    auto* e = new go_entry;
    e->name = std::move(name);
    e->id = next_id.fetch_add(1, std::memory_order_relaxed);
    e->home = &l;
    engine_access::goroutines(l).fetch_add(1, std::memory_order_relaxed);
    return e;
}

void go_started(go_entry& e) noexcept {
    go_entry*& first = engine_access::go_list(*e.home);
    e.prev = nullptr;
    e.next = first;
    if (first) first->prev = &e;
    first = &e;
    e.listed = true;
}

void go_finished(go_entry* e, std::exception_ptr error) noexcept {
    loop& l = *e->home;
    if (e->listed) {
        go_entry*& first = engine_access::go_list(l);
        if (e->prev)
            e->prev->next = e->next;
        else
            first = e->next;
        if (e->next) e->next->prev = e->prev;
    }
    if (error && !(e->stopped_by_engine && is_cancellation(error))) {
        try {
            std::string who = e->name.empty() ? fmt::format("#{}", e->id)
                                              : fmt::format("'{}' (#{})", e->name, e->id);
            l.owner_engine().log(log_level::error,
                                 fmt::format("corio::go coroutine {} on loop {} ended with {}", who,
                                             l.index(), exception_text(error)));
        } catch (...) {
        }
    }
    delete e;
    engine_access::goroutines(l).fetch_sub(1, std::memory_order_relaxed);
}

loop& go_current_loop(const char* what) {
    if (loop* l = loop::current()) return *l;
    throw std::logic_error(fmt::format(
        "{}: not called on a corio loop; use {}(engine, fn) or {}(loop, fn)", what, what, what));
}

loop& go_least_loaded(engine& e) noexcept {
    loop* best = &e.get_loop(0);
    std::size_t best_load = SIZE_MAX;
    for (std::size_t i = 0; i < e.loop_count(); ++i) {
        loop& l = e.get_loop(i);
        std::size_t load = l.connection_count() + l.goroutine_count();
        if (load < best_load) {
            best = &l;
            best_load = load;
        }
    }
    return *best;
}

void cancel_goroutines(loop& l) noexcept {
    // Emitting may end a coroutine at once and unlist it: step before emitting.
    for (go_entry* e = engine_access::go_list(l); e;) {
        go_entry* next = e->next;
        e->stopped_by_engine = true;
        e->signal.emit(boost::asio::cancellation_type::terminal);
        e = next;
    }
}

} // namespace corio::detail
