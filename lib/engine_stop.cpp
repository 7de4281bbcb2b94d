// Sweeping idle buffers and the graceful stop: acceptors closed, connections told to end,
// then forced after shutdown_timeout, tickers awaited, loops stopped.
#include "engine_access.hpp"
#include "engine_state.hpp"
#include "go/go_stop.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <cstdlib>
#include <unistd.h>

namespace corio {
using detail::phase;

void engine::state::start_sweeper(loop& lp) {
    if (opts.idle_release.count() <= 0) return;
    auto timer = std::make_unique<asio::steady_timer>(lp.context());
    asio::steady_timer* t = timer.get();
    sweepers.push_back(std::move(timer));
    lp.post([this, t, &lp] { arm_sweeper(*t, lp); });
}

void engine::state::arm_sweeper(asio::steady_timer& t, loop& lp) {
    t.expires_after(opts.idle_release);
    t.async_wait([this, &t, &lp](boost::system::error_code ec) {
        if (ec || current.load() != phase::running) return;
        engine_access::sweep(lp);
        arm_sweeper(t, lp);
    });
}

void engine::state::close_acceptors() {
    std::lock_guard lock(mutex);
    for (auto& l : listeners) {
        for (auto& slot : l->acceptors) {
            acceptor_type* acc = slot.acceptor.get();
            auto close = [acc] {
                boost::system::error_code ignored;
                acc->close(ignored);
            };
            if (slot.owner)
                slot.owner->post(close);
            else
                close();
        }
    }
}

// On the control thread. The first SIGINT/SIGTERM stops gracefully; one during the stop
// exits at once, as servers conventionally do (a handler stuck in a blocking call would
// otherwise hold the process for as long as the call takes).
void engine::state::watch_signals() {
    signals->async_wait([this](boost::system::error_code ec, int sig) {
        if (ec) return;
        if (current.load() == phase::running) {
            log(log_level::info, "signal {}: stopping (up to {} ms; signal again to exit at once)",
                sig, opts.shutdown_timeout.count());
            self.stop();
            watch_signals();
            return;
        }
        log(log_level::warn, "signal {} during stop: exiting at once ({} connection(s) open)", sig,
            total());
        {
            std::lock_guard lock(mutex);
            for (auto& l : listeners)
                if (!l->socket_file.empty()) ::unlink(l->socket_file.c_str());
        }
        std::_Exit(128 + sig);
    });
}

asio::awaitable<void> engine::state::wait_for_connections(std::chrono::milliseconds limit) {
    return wait_while([this] { return total() > 0 || datagram_handlers.load() > 0; }, limit,
                      std::chrono::milliseconds(5));
}

asio::awaitable<void> engine::state::graceful_stop() {
    close_acceptors();
    {
        std::lock_guard lock(mutex);
        for (auto& d : datagram_listeners) d->begin_shutdown();
    }
    for (auto* lp : loop_list) {
        lp->post([lp] {
            engine_access::for_each(*lp, [](connection& c) { engine_access::begin_shutdown(c); });
        });
    }
    log(log_level::info,
        "stopping: waiting up to {} ms for {} connection(s), {} datagram handler(s), {} "
        "offloaded call(s){}",
        opts.shutdown_timeout.count(), total(), datagram_handlers.load(), workers->running(),
        signals ? "; a second SIGINT or SIGTERM exits at once" : "");
    co_await wait_for_connections(opts.shutdown_timeout);
    if (std::size_t left = datagram_handlers.load()) {
        log(log_level::warn,
            "{} datagram handler(s) still running after {} ms; closing their "
            "sockets",
            left, opts.shutdown_timeout.count());
        {
            std::lock_guard lock(mutex);
            for (auto& d : datagram_listeners) d->force_close();
        }
        if (total() == 0) co_await wait_for_connections(std::chrono::milliseconds(1000));
    }
    if (std::size_t left = total()) {
        log(log_level::warn, "{} connection(s) still open after {} ms; closing them", left,
            opts.shutdown_timeout.count());
        for (auto* lp : loop_list) {
            lp->post([lp] {
                engine_access::for_each(*lp, [](connection& c) { engine_access::force_close(c); });
            });
        }
        co_await wait_for_connections(std::chrono::milliseconds(1000));
    }
    co_await wait_for_goroutines();
    co_await wait_for_tickers();
    if (opts.on_shutdown) {
        try {
            opts.on_shutdown(self);
        } catch (const std::exception& e) {
            log(log_level::error, "on_shutdown hook threw: {}", e.what());
        }
    }
    for (std::size_t i = 0; i < sweepers.size(); ++i) {
        asio::steady_timer* t = sweepers[i].get();
        asio::post(t->get_executor(), [t] { t->cancel(); });
    }
    if (signals) {
        // Back to the default actions: a signal from here on (while the engine's owner
        // joins workers, say) ends the process at once.
        boost::system::error_code ignored;
        signals->clear(ignored);
    }
    for (auto* lp : loop_list) engine_access::stop(*lp);
    control_work.reset();
    control.stop();
}

// corio::go coroutines still running once the connections are gone: cancelled (their
// channel waits, selects and sleeps throw operation_aborted), then awaited.
asio::awaitable<void> engine::state::wait_for_goroutines() {
    auto running = [this] {
        std::size_t n = 0;
        for (auto* lp : loop_list) n += lp->goroutine_count();
        return n;
    };
    if (running() == 0) co_return;
    for (auto* lp : loop_list) lp->post([lp] { detail::cancel_goroutines(*lp); });
    auto busy = [&] { return running() > 0; }; // named: not a temporary inside co_await
    co_await wait_while(busy, opts.shutdown_timeout, std::chrono::milliseconds(1));
    if (std::size_t left = running())
        log(log_level::warn,
            "{} corio::go coroutine(s) still running {} ms after their cancellation; stopping "
            "anyway",
            left, opts.shutdown_timeout.count());
}

// Ticks already running when stop began (a coroutine tick may be waiting on something).
asio::awaitable<void> engine::state::wait_for_tickers() {
    co_await wait_while([this] { return tickers->running.load() > 0; }, opts.shutdown_timeout,
                        std::chrono::milliseconds(1));
    if (std::size_t left = tickers->running.load())
        log(log_level::warn, "{} ticker(s) still in a tick after {} ms; stopping anyway", left,
            opts.shutdown_timeout.count());
}

context engine::stop_context() const {
    return state_->stop_ctx.first;
}

void engine::stop() {
    auto& s = *state_;
    phase expected = phase::running;
    s.stop_ctx.second(); // engine::stop_context(): first, so that handlers hear of it
    if (s.current.compare_exchange_strong(expected, phase::stopping)) {
        s.tickers->close(); // no tick starts once stop() has returned
        asio::co_spawn(s.control, s.graceful_stop(), asio::detached);
        return;
    }
    expected = phase::idle;
    s.current.compare_exchange_strong(expected, phase::stopped);
}

} // namespace corio
