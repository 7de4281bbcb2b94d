// Starting event handlers: gnet.Run / gnet.Rotate (run, rotate, event_engine), serving on an
// engine made elsewhere (serve_events), gnet's Client.Dial (dial_events), and the
// "corio.events" error category.
#include <corio/event_handler.hpp>

#include "event_drive.hpp"
#include "exception_text.hpp"

#include <boost/asio/co_spawn.hpp>

#include <stdexcept>
#include <string>

namespace corio {

namespace {

class events_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "corio.events"; }
    std::string message(int value) const override {
        switch (static_cast<event_errc>(value)) {
        case event_errc::short_buffer:
            return "fewer bytes buffered than asked for";
        case event_errc::unsupported:
            return "operation not supported on this connection";
        }
        return "unknown corio.events error";
    }
};

bool is_datagram_url(std::string_view url) {
    std::string_view scheme = url.substr(0, url.find("://"));
    return scheme == "udp" || scheme == "udp4" || scheme == "udp6";
}

// The engine's options with the handler's on_shutdown after the caller's own.
options with_shutdown_hook(event_handler& h, options o) {
    o.on_shutdown = [&h, user = std::move(o.on_shutdown)](engine& e) {
        if (user) user(e);
        h.on_shutdown(e);
    };
    return o;
}

task<> drive_dialed(engine& e, event_handler& h, std::shared_ptr<connection> handle) {
    co_await detail::event_driver::stream(e, h, *handle);
} // dropping the handle flushes, closes and forgets the connection on its loop

} // namespace

const std::error_category& event_error_category() noexcept {
    static const events_category instance;
    return instance;
}

// ---- serving ------------------------------------------------------------------------------

listener_info serve_events(engine& e, std::string_view url, event_handler& h) {
    if (is_datagram_url(url)) {
        datagram_handler each_socket = [&e, &h](datagram_socket& s) {
            return detail::event_driver::datagrams(e, h, s);
        };
        return e.serve(url, std::move(each_socket));
    }
    handler each_connection = [&e, &h](connection& c) {
        return detail::event_driver::stream(e, h, c);
    };
    return e.serve(url, std::move(each_connection));
}

listener_info serve_events(engine& e, std::string_view url, event_handler& h,
                           const tls_options& tls) {
    handler each_connection = [&e, &h](connection& c) {
        return detail::event_driver::stream(e, h, c);
    };
    return e.serve(url, std::move(each_connection), tls);
}

// ---- gnet.Run ---------------------------------------------------------------------------

event_engine::event_engine(event_handler& h, std::vector<std::string> urls, event_options opts)
    : handler_(h), ticker_(opts.ticker), ticker_loop_(opts.ticker_loop),
      engine_(with_shutdown_hook(h, std::move(opts.engine))) {
    listeners_.reserve(urls.size());
    for (const auto& url : urls)
        listeners_.push_back(url.starts_with("tls://") ? serve_events(engine_, url, h, opts.tls)
                                                       : serve_events(engine_, url, h));
}

event_engine::~event_engine() = default; // the engine's destructor stops it and waits

void event_engine::start() {
    if (started_) throw std::logic_error("corio: event_engine::start() called twice");
    started_ = true;
    // gnet calls OnBoot with the listeners bound and the loops not started yet, so no
    // connection can be opened before it returns.
    if (handler_.on_boot(engine_) == action::shutdown) {
        engine_.stop(); // never started: wait() returns at once
        return;
    }
    if (ticker_) {
        // The first tick comes as the loops start (gnet ticks at once after boot); each later
        // one comes the returned delay after the previous tick ended. The interval given
        // here is only every()'s fallback, unused with a tick-returning callback.
        engine_.every(
            std::chrono::seconds(1),
            [this]() -> tick {
                tick_result r = handler_.on_tick();
                if (r.act == action::shutdown) {
                    engine_.stop();
                    return stop_ticking();
                }
                return tick_again(r.delay);
            },
            ticker_options{.loop = ticker_loop_, .immediate = true});
    }
    engine_.start();
}

void event_engine::wait() {
    engine_.wait();
}

void event_engine::run() {
    start();
    wait();
}

void event_engine::stop() {
    engine_.stop();
}

void run(event_handler& h, std::vector<std::string> urls, event_options opts) {
    event_engine e(h, std::move(urls), std::move(opts));
    e.run();
}

void rotate(event_handler& h, std::vector<std::string> urls, event_options opts) {
    run(h, std::move(urls), std::move(opts));
}

// ---- gnet's Client ----------------------------------------------------------------------

task<> dial_events(engine& e, std::string url, event_handler& h, dial_options opts) {
    std::shared_ptr<connection> conn = co_await dial(e, std::move(url), std::move(opts));
    auto where = conn->get_executor();
    boost::asio::co_spawn(where, drive_dialed(e, h, std::move(conn)),
                          [&e](std::exception_ptr failure) {
                              if (failure)
                                  e.log(log_level::warn, "dial_events: a callback threw: " +
                                                             detail::exception_text(failure));
                          });
}

task<> dial_events(engine& e, std::string url, event_handler& h) {
    return dial_events(e, std::move(url), h, dial_options{});
}

} // namespace corio
