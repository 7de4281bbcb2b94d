// corio-pipeline: Go's "pipelines and cancellation" (go.dev/blog/pipelines) on corio's loops:
// a generator, N squaring stages fanned out over the loops, a merge, and a sink summing the
// squares of 1..N, all under a context with a deadline. It prints the sum and the count of
// items, and whether it finished or the deadline cut it. No network: an engine with --loops
// loops and no listener, stopped at the end. The stages are in src/pipeline.cpp;
// docs/porting-from-go.md puts them beside their Go original.
//
//     $ corio-pipeline --loops 4 --count 1000000
//     $ corio-pipeline --loops 4 --work-us 200 --deadline-ms 100   # cut by the deadline
#include "../common/sample_flags.hpp"
#include "src/pipeline.hpp"

#include <corio/corio.hpp>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace {

std::uint64_t number(std::string_view name, const char* value) {
    std::string_view v = value ? value : "";
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) {
        std::fprintf(stderr, "corio-pipeline: %.*s needs a number\n", static_cast<int>(name.size()),
                     name.data());
        std::exit(2);
    }
    return n;
}

} // namespace

int main(int argc, char** argv) {
    std::string usage =
        "usage: corio-pipeline [flags]\n\n"
        "Sums the squares of 1..N through a generator, parallel squaring stages and a merge,\n"
        "under a deadline. Exit status 0: finished and exact; 3: cut by the deadline (or\n"
        "SIGINT/SIGTERM); 1: a wrong sum or an error.\n\n"
        "  --count N        items (default 100000, at most 3000000)\n"
        "  --workers N      squaring stages (default: one per loop)\n"
        "  --work-us N      simulated work per item in a stage, microseconds (default 0)\n"
        "  --buffer N       capacity of the channels between stages (default 64)\n"
        "  --deadline-ms N  the context's deadline (default 10000; 0: none)\n"
        "  --loops N        event loops (default: one per core)\n";
    pipeline::config cfg;
    std::uint64_t deadline_ms = 10000;
    auto flags =
        samples::parse_flags(argc, argv, usage, "", [&](std::string_view name, const char* value) {
            if (name == "--count")
                cfg.count = number(name, value);
            else if (name == "--workers")
                cfg.workers = number(name, value);
            else if (name == "--work-us")
                cfg.work = std::chrono::microseconds(number(name, value));
            else if (name == "--buffer")
                cfg.buffer = number(name, value);
            else if (name == "--deadline-ms")
                deadline_ms = number(name, value);
            else
                return -1;
            return 1;
        });
    if (flags.addresses.size() != 1 || !flags.addresses[0].empty()) {
        std::fprintf(stderr, "corio-pipeline: no listener: --address does not apply\n");
        return 2;
    }
    try {
        // Go's signal.NotifyContext: SIGINT and SIGTERM cancel the root context (the stages
        // wind down and the sink reports the cut) instead of stopping the engine under them.
        flags.options.handle_signals = false;
        corio::engine engine(flags.options);
        engine.start();
        auto [root, cancel_root] = corio::with_cancel(corio::context::background());
        boost::asio::signal_set signals(engine.get_loop(0).context(), SIGINT, SIGTERM);
        signals.async_wait([c = cancel_root](const boost::system::error_code& ec, int) {
            if (!ec) c();
        });
        // ctx, cancel := context.WithTimeout(root, deadline); defer cancel()
        auto [ctx, cancel] = deadline_ms
                                 ? corio::with_timeout(root, std::chrono::milliseconds(deadline_ms))
                                 : corio::with_cancel(root);
        auto done = corio::co_spawn(engine.get_loop(0).get_executor(),
                                    pipeline::run(engine, cfg, ctx), boost::asio::use_future);
        pipeline::result r = done.get();
        cancel();
        boost::asio::post(engine.get_loop(0).get_executor(), [&signals] { signals.cancel(); });
        engine.stop();
        engine.wait();

        auto ms = static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(r.took).count());
        std::size_t workers = cfg.workers ? cfg.workers : engine.loop_count();
        std::printf("pipeline: %zu squaring stage(s) on %zu loop(s), items 1..%llu\n", workers,
                    engine.loop_count(), static_cast<unsigned long long>(cfg.count));
        if (!r.finished) {
            std::printf("cut after %lld ms (%s): %llu of %llu items, partial sum %llu\n", ms,
                        r.err.message().c_str(), static_cast<unsigned long long>(r.items),
                        static_cast<unsigned long long>(cfg.count),
                        static_cast<unsigned long long>(r.sum));
            return 3;
        }
        auto expected = pipeline::sum_of_squares(cfg.count);
        bool exact = r.items == cfg.count && r.sum == expected;
        std::printf("finished in %lld ms: %llu items, sum of squares %llu (%s)\n", ms,
                    static_cast<unsigned long long>(r.items),
                    static_cast<unsigned long long>(r.sum),
                    exact ? "exact" : "WRONG: expected a different sum");
        return exact ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "corio-pipeline: %s\n", e.what());
        return 1;
    }
}
