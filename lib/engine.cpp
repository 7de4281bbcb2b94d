// Engine: options checked, loops and the worker pool made, start/wait/run and the
// accessors. Listening, accepting and stopping live in engine_listen.cpp,
// engine_accept.cpp and engine_stop.cpp; the shared state in engine_state.hpp.
#include "engine_access.hpp"
#include "engine_state.hpp"

#include <boost/asio/signal_set.hpp>

#include <stdexcept>

namespace corio {
using detail::phase;

engine::engine(options opts) : state_(std::make_unique<state>(*this, std::move(opts))) {
    options& o = state_->opts;
    auto bad = [](std::string_view field, std::string_view why) {
        throw std::invalid_argument(fmt::format("corio: bad option {}: {}", field, why));
    };
    if (o.loops == 0) o.loops = std::max(1u, std::thread::hardware_concurrency());
    if (o.loops > 1024) bad("loops", "more than 1024 loops");
    if (o.block_size < 256 || (o.block_size & (o.block_size - 1)) != 0)
        bad("block_size", "must be a power of two >= 256");
    if (o.read_block_size < 256 || (o.read_block_size & (o.read_block_size - 1)) != 0)
        bad("read_block_size", "must be a power of two >= 256");
    if (o.inbound_cap == 0) bad("inbound_cap", "must be > 0");
    if (o.outbound_cap == 0) bad("outbound_cap", "must be > 0");
    if (o.outbound_high_water > o.outbound_cap)
        bad("outbound_high_water", "must not exceed outbound_cap");
    if (o.listen_backlog <= 0) bad("listen_backlog", "must be > 0");
    if (o.max_datagram_size == 0 || o.max_datagram_size > 65535)
        bad("max_datagram_size", "must be between 1 and 65535");
    if (o.socket_recv_buffer < 0 || o.socket_send_buffer < 0)
        bad("socket_recv_buffer/socket_send_buffer", "must be >= 0");
    if (o.read_timeout.count() < 0 || o.idle_timeout.count() < 0 || o.close_timeout.count() < 0 ||
        o.shutdown_timeout.count() < 0)
        bad("timeouts", "must be >= 0");
    if (!o.logger) o.logger = null_logger();
    if (o.worker_threads == 0 || o.worker_threads > 1024)
        bad("worker_threads", "must be between 1 and 1024");
    if (o.worker_queue_limit == 0) bad("worker_queue_limit", "must be > 0");
    state_->balancer = o.balancer ? o.balancer : least_connections();
    state_->limits.inbound_cap = o.inbound_cap;
    state_->limits.outbound_cap = o.outbound_cap;
    state_->limits.outbound_high_water = o.outbound_high_water;
    state_->limits.read_timeout = o.read_timeout;
    state_->limits.idle_timeout = o.idle_timeout;
    state_->limits.close_timeout = o.close_timeout;
    for (std::size_t i = 0; i < o.loops; ++i) {
        state_->loops.push_back(std::make_unique<loop>(i, o.block_size, o.read_block_size));
        state_->loop_list.push_back(state_->loops.back().get());
        engine_access::set_engine(*state_->loops.back(), *this);
    }
    state_->tickers = std::make_shared<detail::ticker_registry>(o.logger);
    state_->workers = std::make_shared<detail::worker_pool>(o.worker_threads, o.worker_queue_limit);
    for (auto* lp : state_->loop_list) detail::link_pool(lp->context(), state_->workers);
}

engine::~engine() {
    if (state_->current.load() == phase::running || state_->current.load() == phase::stopping) {
        stop();
        wait();
    }
    // Acceptors and sweepers belong to loop and control contexts: drop them first.
    state_->listeners.clear();
    state_->sweepers.clear();
    state_->signals.reset();
    for (auto* lp : state_->loop_list) {
        engine_access::stop(*lp);
        engine_access::join(*lp);
    }
    if (state_->control_thread.joinable()) state_->control_thread.join();
    // SIGINT/SIGTERM have their default action again (the signal set is gone): a second
    // Ctrl-C while this waits ends the process.
    if (std::size_t n = state_->workers->running())
        state_->log(log_level::warn,
                    "waiting for {} offloaded call(s) still running (a blocking call cannot be "
                    "interrupted; a signal now ends the process)",
                    n);
    // Loop threads are gone: workers finish what runs, queued calls are dropped (their
    // coroutines are destroyed with the loops), and nothing more is posted to the loops.
    state_->workers->shutdown();
    state_->tickers->loops_gone();
}

void engine::start() {
    auto& s = *state_;
    {
        std::lock_guard lock(s.mutex);
        phase expected = phase::idle;
        if (!s.current.compare_exchange_strong(expected, phase::running)) {
            if (expected == phase::running) throw std::logic_error("corio: engine already running");
            throw std::logic_error(
                "corio: engine already stopped; an engine runs once: make a new one");
        }
        unsigned cores = std::max(1u, std::thread::hardware_concurrency());
        for (auto* lp : s.loop_list) {
            std::optional<unsigned> cpu;
            if (s.opts.pin_loops) cpu = static_cast<unsigned>(lp->index() % cores);
            engine_access::start(*lp, cpu, s.opts.idle_spin);
            s.start_sweeper(*lp);
        }
        s.control_work.emplace(s.control.get_executor());
        if (s.opts.handle_signals) {
            s.signals.emplace(s.control, SIGINT, SIGTERM);
            s.watch_signals();
        }
        for (auto& l : s.listeners) s.start_accepting(*l);
        for (auto& d : s.datagram_listeners) d->start();
        s.control_thread = std::thread([&s] {
            ::pthread_setname_np(::pthread_self(), "corio-control");
            s.control.run();
        });
    }
    if (s.opts.on_boot) s.opts.on_boot(*this);
}

void engine::wait() {
    auto& s = *state_;
    if (s.control_thread.joinable()) s.control_thread.join();
    for (auto* lp : s.loop_list) engine_access::join(*lp);
    s.current.store(phase::stopped);
}

void engine::run() {
    start();
    wait();
}

bool engine::running() const noexcept {
    return state_->current.load() == phase::running;
}

std::size_t engine::count_connections() const noexcept {
    return state_->total();
}
std::size_t engine::loop_count() const noexcept {
    return state_->loops.size();
}
loop& engine::get_loop(std::size_t index) {
    return *state_->loops.at(index);
}
const options& engine::get_options() const noexcept {
    return state_->opts;
}
void engine::log(log_level level, std::string_view line) const {
    if (state_->opts.logger) state_->opts.logger(level, line);
}

ticker engine::add_ticker(std::chrono::nanoseconds interval, detail::tick_function fn,
                          ticker_options o) {
    auto& s = *state_;
    if (interval.count() <= 0) throw std::invalid_argument("corio: every(): interval must be > 0");
    if (o.loop >= s.loops.size())
        throw std::invalid_argument(
            fmt::format("corio: every(): loop {} out of range ({} loops)", o.loop, s.loops.size()));
    phase p = s.current.load();
    return s.tickers->start(*s.loops[o.loop], interval, std::move(fn), o.immediate,
                            p == phase::idle || p == phase::running);
}

} // namespace corio
