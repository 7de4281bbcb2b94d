// stream_load: a closed-loop echo load over corio's own client, so plain TCP and TLS are
// driven by the same code: N connections each send an S-byte message and wait for it to come
// back, for D seconds after a warmup. Prints one line of key=value results, including the
// server's CPU time per message (from /proc/PID/stat) when --server-pid is given.
//
//   stream_load --url tls://localhost:9443 --ca cert.pem --conns 50 --size 512 --duration 5
#include <corio/corio.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

using clock_type = std::chrono::steady_clock;

// utime + stime of a process, in seconds.
double cpu_seconds(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; rest >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) {
            stime = std::stod(field);
            break;
        }
    }
    return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct settings {
    std::string url;
    std::string ca;
    std::size_t conns = 50, size = 512;
    double duration = 5, warmup = 1;
    long server_pid = 0;
};

std::atomic<bool> measuring{false}, done{false};
std::atomic<std::uint64_t> messages{0}, errors{0};

corio::task<> client(corio::engine& e, const settings& s) {
    corio::dial_options opts;
    opts.tls.ca_file = s.ca;
    std::shared_ptr<corio::connection> conn;
    try {
        conn = co_await corio::dial(e, s.url, opts);
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "dial: %s\n", ex.what());
        ++errors;
        co_return;
    }
    std::string message(s.size, 'x');
    while (!done.load(std::memory_order_relaxed)) {
        conn->write(message);
        auto failed = co_await conn->flush();
        auto back = co_await conn->next(s.size);
        if (failed || !back) {
            if (!done.load()) ++errors; // after `done`, the engine's stop ends reads
            co_return;
        }
        if (measuring.load(std::memory_order_relaxed))
            messages.fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace

int main(int argc, char** argv) {
    settings s;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--url")
            s.url = v;
        else if (k == "--ca")
            s.ca = v;
        else if (k == "--conns")
            s.conns = std::strtoul(v, nullptr, 10);
        else if (k == "--size")
            s.size = std::strtoul(v, nullptr, 10);
        else if (k == "--duration")
            s.duration = std::strtod(v, nullptr);
        else if (k == "--warmup")
            s.warmup = std::strtod(v, nullptr);
        else if (k == "--server-pid")
            s.server_pid = std::strtol(v, nullptr, 10);
        else {
            std::fprintf(stderr, "stream_load: unknown flag %s\n", argv[i]);
            return 2;
        }
    }
    if (s.url.empty()) {
        std::fprintf(stderr, "usage: stream_load --url URL [--ca FILE] [--conns N] [--size S] "
                             "[--duration D] [--warmup W] [--server-pid PID]\n");
        return 2;
    }
    corio::options o;
    o.loops = 1;
    o.handle_signals = false;
    corio::engine e(o);
    e.start();
    for (std::size_t i = 0; i < s.conns; ++i)
        boost::asio::co_spawn(e.get_loop(0).get_executor(), client(e, s), boost::asio::detached);
    std::this_thread::sleep_for(std::chrono::duration<double>(s.warmup));
    double cpu0 = s.server_pid ? cpu_seconds(s.server_pid) : 0;
    auto t0 = clock_type::now();
    measuring = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(s.duration));
    measuring = false;
    auto t1 = clock_type::now();
    double cpu1 = s.server_pid ? cpu_seconds(s.server_pid) : 0;
    done = true;
    double secs = std::chrono::duration<double>(t1 - t0).count();
    double n = static_cast<double>(messages.load());
    std::printf("msgs=%.0f msgs_per_s=%.0f mib_per_s=%.2f server_cpu_us_per_msg=%.3f errors=%llu\n",
                n, n / secs, n * static_cast<double>(s.size) / secs / (1 << 20),
                n > 0 ? (cpu1 - cpu0) * 1e6 / n : 0.0,
                static_cast<unsigned long long>(errors.load()));
    bool failed = errors.load() != 0;
    e.stop();
    e.wait();
    return failed ? 1 : 0;
}
