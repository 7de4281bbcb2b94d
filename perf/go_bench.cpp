// go_bench: corio's Go-style kit against Go itself (perf/go/gobench.go does the same work in
// Go). Each run prints one line of key=value results, with the same keys as the Go program,
// so perf/run-go.sh parses both alike.
//
//   go_bench pingpong-one [--n N]   two coroutines on one loop bounce an int over two
//                                   unbuffered channels, N round trips (default 1,000,000)
//   go_bench pingpong-two [--n N]   the same, one coroutine on each of two loops (threads)
//   go_bench spawn [--n N] [--mode alive|finish] [--loops L] [--yield-every K]
//       N corio::go coroutines (default 1,000,000), each adding its share to a checksum and
//       calling wait_group::done. alive: each first parks on a gate channel, so all N are
//       alive at once (the peak memory is the per-coroutine cost); the gate closes once all
//       are parked. finish: they run to the end as they are scheduled. Spread round-robin
//       over L loops (default 1). --yield-every K lets the spawner yield to its loop every K
//       spawns (default 0: never, as a Go loop of `go f()` does not).
#include <corio/corio.hpp>
#include <corio/go.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <future>
#include <string>
#include <string_view>

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// A field of /proc/self/status in KiB (VmRSS now, VmHWM the peak so far).
long status_kib(std::string_view key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() &&
            line[key.size()] == ':')
            return std::atol(line.c_str() + key.size() + 1);
    return -1;
}

struct settings {
    std::string command;
    std::uint64_t n = 1'000'000;
    std::string mode = "alive";
    std::size_t loops = 1;
    std::uint64_t yield_every = 0;
    std::uint64_t idle_spin_us = 0; // options::idle_spin
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "go_bench: %s\n"
                 "usage: go_bench pingpong-one|pingpong-two [--n N] [--idle-spin-us US]\n"
                 "       go_bench spawn [--n N] [--mode alive|finish] [--loops L]"
                 " [--yield-every K] [--idle-spin-us US]\n",
                 why);
    std::exit(2);
}

settings parse(int argc, char** argv) {
    if (argc < 2) usage("no command");
    settings s;
    s.command = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string_view flag = argv[i];
        if (i + 1 >= argc) usage("a flag without its value");
        const char* value = argv[++i];
        if (flag == "--n")
            s.n = std::strtoull(value, nullptr, 10);
        else if (flag == "--mode")
            s.mode = value;
        else if (flag == "--loops")
            s.loops = std::strtoull(value, nullptr, 10);
        else if (flag == "--yield-every")
            s.yield_every = std::strtoull(value, nullptr, 10);
        else if (flag == "--idle-spin-us")
            s.idle_spin_us = std::strtoull(value, nullptr, 10);
        else
            usage("unknown flag");
    }
    if (s.n == 0) usage("--n must be positive");
    if (s.loops == 0) usage("--loops must be positive");
    if (s.mode != "alive" && s.mode != "finish") usage("--mode is alive or finish");
    return s;
}

corio::options engine_options(std::size_t loops, const settings& s) {
    corio::options o;
    o.loops = loops;
    o.idle_spin = std::chrono::microseconds(s.idle_spin_us);
    o.handle_signals = false;
    // Warnings and errors only: a benchmark's stderr should stay quiet.
    o.logger = [](corio::log_level level, std::string_view line) {
        if (level >= corio::log_level::warn)
            std::fprintf(stderr, "corio: %.*s\n", static_cast<int>(line.size()), line.data());
    };
    return o;
}

// Runs `t` on loop 0 of `e` and blocks the calling (main) thread until it is done.
void run_on_loop0(corio::engine& e, corio::task<> t) {
    std::promise<void> done;
    auto f = done.get_future();
    corio::co_spawn(e.get_loop(0).get_executor(), std::move(t), [&done](std::exception_ptr p) {
        if (p)
            done.set_exception(p);
        else
            done.set_value();
    });
    f.get();
}

// ---- ping-pong ----

struct pingpong_result {
    double seconds = 0;
    std::uint64_t errors = 0;
};

corio::task<> ping(corio::chan<int> out, corio::chan<int> in, std::uint64_t n, pingpong_result& r,
                   std::promise<void>& finished) {
    auto t0 = clock_type::now();
    for (std::uint64_t i = 0; i < n; ++i) {
        int sent = static_cast<int>(i & 0x7fffffff);
        co_await out.send(sent);
        auto back = co_await in.receive();
        // Checked so that the compiler cannot drop the work, and so a lost value shows.
        if (!back || *back != sent) ++r.errors;
    }
    r.seconds = seconds_since(t0);
    out.close(); // ends pong's loop
    finished.set_value();
}

corio::task<> pong(corio::chan<int> in, corio::chan<int> out) {
    while (auto v = co_await in.receive()) co_await out.send(*v);
}

int run_pingpong(const settings& s, std::size_t loops) {
    corio::engine e(engine_options(loops, s));
    e.start();
    corio::chan<int> there(0), back(0);
    pingpong_result r;
    std::promise<void> finished;
    auto f = finished.get_future();
    // pong first, so that it is already waiting when ping's first send comes.
    corio::go(e.get_loop(loops - 1), "pong", pong(there, back));
    corio::go(e.get_loop(0), "ping", ping(there, back, s.n, r, finished));
    f.get();
    e.stop();
    e.wait();
    std::printf("bench=pingpong impl=corio variant=%s threads=%zu n=%llu seconds=%.6f "
                "round_trips_per_s=%.0f ns_per_round_trip=%.1f errors=%llu\n",
                loops == 1 ? "one-loop" : "two-loops", loops, static_cast<unsigned long long>(s.n),
                r.seconds, static_cast<double>(s.n) / r.seconds,
                r.seconds * 1e9 / static_cast<double>(s.n),
                static_cast<unsigned long long>(r.errors));
    return r.errors == 0 ? 0 : 1;
}

// ---- spawn ----

// A checksum of the coroutines' work: each adds a value derived from its index, so a
// coroutine that ran twice or never shows in the total.
std::uint64_t share(std::uint64_t i) {
    return (i * 2654435761u) % 1000003u;
}

struct spawn_shared {
    corio::chan<int> gate{0};  // closed once all are parked (alive mode)
    corio::wait_group parked;  // alive mode: coroutines not yet parked on the gate
    corio::wait_group running; // coroutines not yet done
    std::atomic<std::uint64_t> sum{0};
};

struct spawn_result {
    double spawn_s = 0;   // alive: until all are parked; finish: until the last go() returned
    double release_s = 0; // alive: from the gate's close until all are done
    double total_s = 0;
    long base_rss_kib = 0, parked_rss_kib = 0;
};

corio::task<> spawner(corio::engine& e, const settings& s, spawn_shared& sh, spawn_result& r) {
    bool alive = s.mode == "alive";
    sh.running.add(static_cast<std::ptrdiff_t>(s.n));
    if (alive) sh.parked.add(static_cast<std::ptrdiff_t>(s.n));
    spawn_shared* shp = &sh; // captured by pointer: the spawner outlives every coroutine
    auto here = co_await boost::asio::this_coro::executor;
    auto t0 = clock_type::now();
    for (std::uint64_t i = 0; i < s.n; ++i) {
        auto body = [shp, i, alive]() -> corio::task<> {
            if (alive) {
                shp->parked.done();
                co_await shp->gate.receive(); // nullopt once closed
            }
            shp->sum.fetch_add(share(i), std::memory_order_relaxed);
            shp->running.done();
        };
        corio::go(e.get_loop(i % s.loops), std::move(body));
        if (s.yield_every && (i + 1) % s.yield_every == 0)
            co_await boost::asio::post(here, boost::asio::use_awaitable);
    }
    if (alive) {
        co_await sh.parked.wait();
        r.spawn_s = seconds_since(t0);
        r.parked_rss_kib = status_kib("VmRSS");
        auto t1 = clock_type::now();
        sh.gate.close();
        co_await sh.running.wait();
        r.release_s = seconds_since(t1);
    } else {
        r.spawn_s = seconds_since(t0);
        co_await sh.running.wait();
    }
    r.total_s = seconds_since(t0);
}

int run_spawn(const settings& s) {
    corio::engine e(engine_options(s.loops, s));
    e.start();
    spawn_shared sh;
    spawn_result r;
    r.base_rss_kib = status_kib("VmRSS");
    run_on_loop0(e, spawner(e, s, sh, r));
    long peak = status_kib("VmHWM");
    e.stop();
    e.wait();
    std::uint64_t want = 0;
    for (std::uint64_t i = 0; i < s.n; ++i) want += share(i);
    std::uint64_t errors = sh.sum.load() == want ? 0 : 1;
    double per = static_cast<double>(peak - r.base_rss_kib) * 1024.0 / static_cast<double>(s.n);
    std::printf("bench=spawn impl=corio mode=%s threads=%zu n=%llu spawn_s=%.6f release_s=%.6f "
                "total_s=%.6f spawns_per_s=%.0f base_rss_kib=%ld parked_rss_kib=%ld "
                "peak_rss_kib=%ld peak_bytes_per_coroutine=%.0f errors=%llu\n",
                s.mode.c_str(), s.loops, static_cast<unsigned long long>(s.n), r.spawn_s,
                r.release_s, r.total_s, static_cast<double>(s.n) / r.total_s, r.base_rss_kib,
                r.parked_rss_kib, peak, per, static_cast<unsigned long long>(errors));
    return errors == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    settings s = parse(argc, argv);
    try {
        if (s.command == "pingpong-one") return run_pingpong(s, 1);
        if (s.command == "pingpong-two") return run_pingpong(s, 2);
        if (s.command == "spawn") return run_spawn(s);
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "go_bench: %s\n", ex.what());
        return 1;
    }
    usage("unknown command");
}
