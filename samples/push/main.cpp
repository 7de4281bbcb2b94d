// corio-push: gnet's ticker-driven push example as a corio::event_handler. Connections are
// tracked in on_open/on_close; on_tick (one loop, every --interval) writes a line to every
// open connection. Ticks run on one loop and connections live on all of them, so the line
// goes with async_write, which may be called from any thread (write would not do).
#include "../common/sample_flags.hpp"

#include <corio/corio.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

class push_server : public corio::event_handler {
public:
    explicit push_server(std::chrono::milliseconds interval) : interval_(interval) {}

    corio::open_result on_open(corio::event_conn& c) override {
        std::lock_guard lock(mutex_);
        conns_[c.id()] = &c; // valid until on_close returns, which removes it first
        return {};
    }

    corio::action on_close(corio::event_conn& c, std::error_code) override {
        std::lock_guard lock(mutex_);
        conns_.erase(c.id());
        return corio::action::none;
    }

    corio::action on_traffic(corio::event_conn& c) override {
        c.discard(-1); // a push server ignores what clients send
        return corio::action::none;
    }

    corio::tick_result on_tick() override {
        std::lock_guard lock(mutex_); // on_close waits: no connection goes while we write
        std::string line = "heart beating to " + std::to_string(conns_.size()) +
                           " connection(s), tick " + std::to_string(++ticks_) + "\n";
        for (auto& [id, c] : conns_) c->async_write(line);
        return {interval_, corio::action::none};
    }

private:
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, corio::event_conn*> conns_;
    std::uint64_t ticks_ = 0; // on_tick runs on one loop only
};

} // namespace

int main(int argc, char** argv) {
    std::string usage = "usage: corio-push [flags]\n\nPushes a line to every connection on each "
                        "tick.\n\n";
    usage += samples::common_usage;
    usage += "  --interval MS      time between pushes (default 1000)\n";
    long interval_ms = 1000;
    auto flags = samples::parse_flags(
        argc, argv, usage, "tcp://127.0.0.1:9000", [&](std::string_view flag, const char* value) {
            if (flag != "--interval") return -1;
            std::string_view v = value ? value : "";
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), interval_ms);
            if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || interval_ms <= 0) {
                std::fprintf(stderr, "corio-push: bad --interval value\n");
                std::exit(2);
            }
            return 1;
        });
    corio::event_options opts;
    opts.engine = flags.options;
    opts.tls = flags.tls;
    opts.ticker = true; // gnet's WithTicker(true)
    push_server handler{std::chrono::milliseconds(interval_ms)};
    try {
        corio::run(handler, flags.addresses, opts); // blocks until SIGINT or SIGTERM
    } catch (const std::exception& e) {
        std::fprintf(stderr, "corio-push: %s\n", e.what());
        return 1;
    }
}
