// echo_load: closed-loop load generator for echo servers. Single-threaded,
// raw epoll, non-blocking sockets; verifies every echoed byte and reports
// throughput and latency percentiles as one `key=value` line.
// Also has an idle mode that just holds N silent connections open.
//
// Build: g++ -std=c++20 -O2 perf/echo_load.cpp -o echo_load
// See perf/README.md for the options and the output protocol.
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "pattern words assume little endian");

namespace {

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    int conns = 10;
    std::size_t size = 16;
    int depth = 1;
    double duration = 5;
    double warmup = 1;
    int idle = 0; // > 0 selects idle mode
    double hold = 10;
    int server_pid = 0; // > 0: also report that process's CPU time
    double connect_timeout = 15;
};

uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

// ---------------------------------------------------------------------------
// Payload pattern. Message `seq` of connection `id` has a 64-bit seed; byte i
// of it is seed byte (i % 8) plus i / 8. A byte that comes back on the wrong
// connection, in the wrong message or at the wrong offset mismatches.

uint64_t msg_seed(uint32_t id, uint64_t seq) {
    uint64_t x = (uint64_t(id) << 40) ^ seq ^ 0x9e3779b97f4a7c15ull; // splitmix64
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

inline uint8_t pattern_byte(uint64_t seed, std::size_t i) {
    return uint8_t((seed >> ((i & 7) * 8)) + (i >> 3));
}

// The 8 pattern bytes starting at offset i (i % 8 == 0): a per-byte add
// without carries between bytes (SWAR), so big messages cost ~1 op / 8 bytes.
inline uint64_t pattern_word(uint64_t seed, std::size_t i) {
    const uint64_t hi = 0x8080808080808080ull;
    const uint64_t b = uint64_t(uint8_t(i >> 3)) * 0x0101010101010101ull;
    return ((seed & ~hi) + (b & ~hi)) ^ ((seed ^ b) & hi);
}

// Write message bytes [i, i + n) into out.
void fill(uint64_t seed, std::size_t i, uint8_t* out, std::size_t n) {
    std::size_t end = i + n;
    for (; i < end && (i & 7); ++i) *out++ = pattern_byte(seed, i);
    for (; i + 8 <= end; i += 8, out += 8) {
        uint64_t w = pattern_word(seed, i);
        std::memcpy(out, &w, 8);
    }
    for (; i < end; ++i) *out++ = pattern_byte(seed, i);
}

// Check message bytes [i, i + n) against p; returns the offset of the first
// bad byte within p, or n when all match.
std::size_t verify(uint64_t seed, std::size_t i, const uint8_t* p, std::size_t n) {
    const std::size_t start = i, end = i + n;
    for (; i < end && (i & 7); ++i)
        if (p[i - start] != pattern_byte(seed, i)) return i - start;
    for (; i + 8 <= end; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + (i - start), 8);
        if (w != pattern_word(seed, i)) break; // locate the byte below
    }
    for (; i < end; ++i)
        if (p[i - start] != pattern_byte(seed, i)) return i - start;
    return n;
}

// ---------------------------------------------------------------------------
// Log-linear histogram (HDR-like): 128 linear sub-buckets per power of two,
// so any recorded value is off by < 0.8%, in a fixed ~60 KiB.

class Histogram {
public:
    static constexpr int kSubBits = 7; // 128 sub-buckets per octave
    static constexpr int kSub = 1 << kSubBits;
    static constexpr int kBuckets = (64 - kSubBits) * kSub + 2 * kSub;

    Histogram() : counts_(kBuckets) {}

    void reset() {
        std::fill(counts_.begin(), counts_.end(), 0);
        total_ = 0;
        max_ = 0;
    }

    void record(uint64_t v) {
        ++counts_[index(v)];
        ++total_;
        max_ = std::max(max_, v);
    }

    uint64_t total() const { return total_; }
    uint64_t max() const { return max_; }

    // Value at quantile q (0..1]: midpoint of the bucket holding that rank.
    uint64_t quantile(double q) const {
        if (total_ == 0) return 0;
        uint64_t rank = std::max<uint64_t>(1, uint64_t(std::ceil(q * double(total_))));
        uint64_t seen = 0;
        for (int i = 0; i < kBuckets; ++i) {
            seen += counts_[i];
            if (seen >= rank) return std::min(midpoint(i), max_);
        }
        return max_;
    }

private:
    static int index(uint64_t v) {
        if (v < 2 * kSub) return int(v);
        int shift = 63 - __builtin_clzll(v) - kSubBits; // v >> shift in [128, 256)
        return shift * kSub + int(v >> shift);
    }
    static uint64_t midpoint(int idx) {
        if (idx < 2 * kSub) return uint64_t(idx);
        int shift = idx / kSub - 1;
        uint64_t low = uint64_t(idx - shift * kSub) << shift;
        return low + (uint64_t(1) << shift) / 2;
    }

    std::vector<uint64_t> counts_;
    uint64_t total_ = 0;
    uint64_t max_ = 0;
};

// ---------------------------------------------------------------------------

struct Conn {
    int fd = -1;
    uint32_t id = 0;
    bool connected = false;
    bool dead = false;
    bool want_out = false;       // EPOLLOUT currently registered
    uint64_t retry_at = 0;       // connect retry scheduled (ns), 0 = none
    uint64_t sent = 0;           // payload bytes written
    uint64_t recvd = 0;          // payload bytes received and verified
    uint64_t* send_ts = nullptr; // depth slots: send time of message m at m % depth
};

class Load {
public:
    explicit Load(const Options& o) : o_(o), conns_(std::size_t(o.idle > 0 ? o.idle : o.conns)) {
        if (o.idle == 0) ts_.resize(conns_.size() * std::size_t(o.depth));
        for (std::size_t i = 0; i < conns_.size(); ++i) {
            conns_[i].id = uint32_t(i);
            if (!ts_.empty()) conns_[i].send_ts = &ts_[i * std::size_t(o.depth)];
        }
        addr_.sin_family = AF_INET;
        addr_.sin_port = htons(uint16_t(o.port));
        if (inet_pton(AF_INET, o.host.c_str(), &addr_.sin_addr) != 1) {
            std::fprintf(stderr, "echo_load: bad --host %s (IPv4 only)\n", o.host.c_str());
            std::exit(2);
        }
        ep_ = epoll_create1(EPOLL_CLOEXEC);
        if (ep_ < 0) fatal("epoll_create1");
    }

    int run() {
        if (!connect_all()) return finish_failed();
        return o_.idle > 0 ? hold_idle() : drive();
    }

private:
    [[noreturn]] static void fatal(const char* what) {
        std::fprintf(stderr, "echo_load: %s: %s\n", what, std::strerror(errno));
        std::exit(2);
    }

    void fail(Conn& c, const char* why) {
        if (c.dead) return;
        if (++errors_ <= 10) std::fprintf(stderr, "echo_load: conn %u: %s\n", c.id, why);
        c.dead = true;
        if (c.fd >= 0) close(c.fd);
        c.fd = -1;
    }

    void ctl(int op, Conn& c, uint32_t events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.u32 = c.id;
        if (epoll_ctl(ep_, op, c.fd, &ev) < 0) fatal("epoll_ctl");
    }

    // --- connect phase ------------------------------------------------------

    // Retried: the server may still be starting (ECONNREFUSED) or its accept
    // queue may be momentarily full (EAGAIN on loopback).
    static bool retryable(int err) {
        return err == ECONNREFUSED || err == EAGAIN || err == ETIMEDOUT || err == ECONNRESET;
    }

    void start_connect(Conn& c, uint64_t now) {
        c.retry_at = 0;
        c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) fatal("socket (raise ulimit -n?)");
        int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_) == 0) {
            on_connected(c);
        } else if (errno == EINPROGRESS) {
            ctl(EPOLL_CTL_ADD, c, EPOLLOUT);
        } else if (retryable(errno)) {
            schedule_retry(c, now);
        } else {
            fail(c, std::strerror(errno));
        }
    }

    void schedule_retry(Conn& c, uint64_t now) {
        close(c.fd); // also drops it from the epoll set
        c.fd = -1;
        c.retry_at = now + 20'000'000; // 20 ms
    }

    void on_connected(Conn& c) {
        c.connected = true;
        ++connected_;
        // Idle connections watch for anything at all: data or a close by the
        // server is an error there.
        uint32_t ev = o_.idle > 0 ? EPOLLIN | EPOLLRDHUP : EPOLLIN;
        epoll_event e{};
        e.events = ev;
        e.data.u32 = c.id;
        if (epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &e) < 0 &&
            epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &e) < 0)
            fatal("epoll_ctl");
    }

    bool connect_all() {
        const uint64_t t0 = now_ns();
        const uint64_t deadline = t0 + uint64_t(o_.connect_timeout * 1e9);
        for (auto& c : conns_) start_connect(c, t0);
        std::vector<epoll_event> evs(1024);
        while (connected_ + errors_ < conns_.size()) {
            uint64_t now = now_ns();
            if (now >= deadline) {
                std::fprintf(stderr, "echo_load: only %zu of %zu connections after %.1f s\n",
                             connected_, conns_.size(), o_.connect_timeout);
                return false;
            }
            for (auto& c : conns_)
                if (c.retry_at && now >= c.retry_at) start_connect(c, now);
            int n = epoll_wait(ep_, evs.data(), int(evs.size()), 10);
            if (n < 0 && errno != EINTR) fatal("epoll_wait");
            now = now_ns();
            for (int i = 0; i < n; ++i) {
                Conn& c = conns_[evs[i].data.u32];
                if (c.connected || c.dead || c.fd < 0) continue;
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err == 0)
                    on_connected(c);
                else if (retryable(err))
                    schedule_retry(c, now);
                else
                    fail(c, std::strerror(err));
            }
        }
        std::fprintf(stderr, "echo_load: %zu connections up in %.3f s\n", connected_,
                     double(now_ns() - t0) / 1e9);
        return errors_ == 0;
    }

    // --- load phase -----------------------------------------------------------

    // Keep `depth` messages in flight: write everything allowed but not yet sent.
    void pump(Conn& c) {
        const uint64_t S = o_.size, D = uint64_t(o_.depth);
        const uint64_t limit = (c.recvd / S + D) * S;
        while (c.sent < limit) {
            std::size_t n = std::size_t(std::min<uint64_t>(limit - c.sent, sizeof sendbuf_));
            for (std::size_t off = 0; off < n;) { // pattern for stream bytes [sent, sent+n)
                uint64_t pos = c.sent + off, msg = pos / S;
                std::size_t i = std::size_t(pos % S), k = std::min<std::size_t>(n - off, S - i);
                fill(msg_seed(c.id, msg), i, sendbuf_ + off, k);
                off += k;
            }
            ssize_t w = send(c.fd, sendbuf_, n, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN) {
                    if (!c.want_out) ctl(EPOLL_CTL_MOD, c, EPOLLIN | EPOLLOUT);
                    c.want_out = true;
                    return;
                }
                fail(c, std::strerror(errno));
                return;
            }
            // Stamp each message whose first byte went out in this write.
            const uint64_t t = now_ns(), end = c.sent + uint64_t(w);
            for (uint64_t m = (c.sent + S - 1) / S; m * S < end; ++m) c.send_ts[m % D] = t;
            c.sent = end;
        }
        if (c.want_out) {
            ctl(EPOLL_CTL_MOD, c, EPOLLIN);
            c.want_out = false;
        }
    }

    void on_readable(Conn& c) {
        const uint64_t S = o_.size, D = uint64_t(o_.depth);
        for (;;) {
            ssize_t r = recv(c.fd, recvbuf_, sizeof recvbuf_, 0);
            if (r < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN) break;
                fail(c, std::strerror(errno));
                return;
            }
            if (r == 0) {
                fail(c, "connection closed by server");
                return;
            }
            if (c.recvd + uint64_t(r) > c.sent) {
                fail(c, "received more bytes than were sent");
                return;
            }
            const uint64_t t = now_ns();
            for (std::size_t off = 0; off < std::size_t(r);) {
                uint64_t msg = c.recvd / S;
                std::size_t i = std::size_t(c.recvd % S),
                            k = std::min<std::size_t>(std::size_t(r) - off, S - i);
                std::size_t bad = verify(msg_seed(c.id, msg), i, recvbuf_ + off, k);
                if (bad != k) {
                    char why[128];
                    std::snprintf(why, sizeof why,
                                  "payload mismatch in message %" PRIu64 " at byte %zu", msg,
                                  i + bad);
                    fail(c, why);
                    return;
                }
                off += k;
                c.recvd += k;
                if (c.recvd % S == 0 && measuring_) {
                    hist_.record(t - c.send_ts[msg % D]);
                    ++msgs_;
                }
            }
            // A short read drained the socket; skip the read that would just
            // say EAGAIN (level-triggered epoll reports any later data).
            if (std::size_t(r) < sizeof recvbuf_) break;
        }
        pump(c);
    }

    struct CpuSample {
        uint64_t server_us = 0;
        uint64_t self_us = 0;
    };

    // utime + stime of --server-pid from /proc (clock ticks), and our own
    // CPU time, so the caller can relate server CPU to the measured window.
    CpuSample sample_cpu() const {
        CpuSample s;
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        s.self_us = uint64_t(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
                    uint64_t(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
        if (o_.server_pid <= 0) return s;
        char path[64], buf[1024];
        std::snprintf(path, sizeof path, "/proc/%d/stat", o_.server_pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return s;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0) return s;
        buf[n] = 0;
        // Fields after "(comm)": 3=state ... 14=utime 15=stime.
        const char* p = std::strrchr(buf, ')');
        if (!p) return s;
        unsigned long long utime = 0, stime = 0;
        if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                        &stime) != 2)
            return s;
        static const long hz = sysconf(_SC_CLK_TCK);
        s.server_us = (utime + stime) * 1000000ull / uint64_t(hz);
        return s;
    }

    int drive() {
        std::vector<epoll_event> evs(1024);
        const uint64_t t_run = now_ns();
        const uint64_t warm_end = t_run + uint64_t(o_.warmup * 1e9);
        uint64_t t_start = 0, t_end = 0;
        CpuSample cpu0, cpu1;

        for (auto& c : conns_) pump(c);

        for (;;) {
            const uint64_t now = now_ns();
            if (!measuring_ && (now >= warm_end || errors_ >= conns_.size())) {
                hist_.reset();
                msgs_ = 0;
                cpu0 = sample_cpu();
                t_start = now_ns();
                measuring_ = true;
                std::fputs("measure_start\n", stdout);
                std::fflush(stdout);
            }
            // Stop early when every connection has failed: nothing left to measure.
            const bool all_dead = errors_ >= conns_.size();
            if (measuring_ && (all_dead || now >= t_start + uint64_t(o_.duration * 1e9))) {
                t_end = now_ns();
                cpu1 = sample_cpu();
                measuring_ = false;
                std::fputs("measure_end\n", stdout);
                std::fflush(stdout);
                break;
            }
            const uint64_t next = measuring_ ? t_start + uint64_t(o_.duration * 1e9) : warm_end;
            const int timeout_ms = int((next - now + 999'999) / 1'000'000);
            int n = epoll_wait(ep_, evs.data(), int(evs.size()), timeout_ms);
            if (n < 0 && errno != EINTR) fatal("epoll_wait");
            for (int i = 0; i < n; ++i) {
                Conn& c = conns_[evs[i].data.u32];
                if (c.dead) continue;
                if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
                if (!c.dead && (evs[i].events & EPOLLOUT)) pump(c);
            }
        }

        const double secs = double(t_end - t_start) / 1e9;
        if (msgs_ == 0 && o_.duration > 0) {
            std::fprintf(stderr, "echo_load: no message completed in the measured window\n");
            ++errors_;
        }
        const double us = 1e3; // histogram is in ns
        std::printf(
            "msgs=%" PRIu64 " seconds=%.3f msgs_per_s=%.0f mib_per_s=%.2f p50_us=%.1f p90_us=%.1f "
            "p99_us=%.1f p999_us=%.1f max_us=%.1f conns=%d size=%zu depth=%d client_cpu_pct=%.1f",
            msgs_, secs, secs > 0 ? double(msgs_) / secs : 0.0,
            secs > 0 ? double(msgs_) * double(o_.size) / secs / 1048576.0 : 0.0,
            double(hist_.quantile(0.50)) / us, double(hist_.quantile(0.90)) / us,
            double(hist_.quantile(0.99)) / us, double(hist_.quantile(0.999)) / us,
            double(hist_.max()) / us, o_.conns, o_.size, o_.depth,
            secs > 0 ? double(cpu1.self_us - cpu0.self_us) / (secs * 1e4) : 0.0);
        if (o_.server_pid > 0) {
            const uint64_t cpu = cpu1.server_us - cpu0.server_us;
            std::printf(" server_cpu_us=%" PRIu64 " server_cpu_us_per_msg=%.3f server_cpu_pct=%.1f",
                        cpu, msgs_ ? double(cpu) / double(msgs_) : 0.0,
                        secs > 0 ? double(cpu) / (secs * 1e4) : 0.0);
        }
        std::printf(" errors=%zu\n", errors_);
        std::fflush(stdout);
        return errors_ ? 1 : 0;
    }

    // --- idle mode ------------------------------------------------------------

    int hold_idle() {
        std::printf("idle_connected %zu\n", connected_);
        std::fflush(stdout);
        std::vector<epoll_event> evs(1024);
        const uint64_t end = now_ns() + uint64_t(o_.hold * 1e9);
        for (uint64_t now = now_ns(); now < end; now = now_ns()) {
            int n = epoll_wait(ep_, evs.data(), int(evs.size()),
                               int((end - now + 999'999) / 1'000'000));
            if (n < 0 && errno != EINTR) fatal("epoll_wait");
            for (int i = 0; i < n; ++i)
                fail(conns_[evs[i].data.u32],
                     "idle connection got data or was closed by the server");
        }
        std::printf("idle_conns=%zu held_s=%.1f errors=%zu\n", conns_.size(), o_.hold, errors_);
        std::fflush(stdout);
        return errors_ ? 1 : 0;
    }

    int finish_failed() {
        if (o_.idle > 0)
            std::printf("idle_conns=%zu held_s=0 errors=%zu\n", connected_, errors_ ? errors_ : 1);
        else
            std::printf("msgs=0 seconds=0 msgs_per_s=0 mib_per_s=0 p50_us=0 p99_us=0 errors=%zu\n",
                        errors_ ? errors_ : 1);
        std::fflush(stdout);
        return 1;
    }

    const Options o_;
    std::vector<Conn> conns_;
    std::vector<uint64_t> ts_;
    sockaddr_in addr_{};
    int ep_ = -1;
    std::size_t connected_ = 0;
    std::size_t errors_ = 0;
    bool measuring_ = false;
    uint64_t msgs_ = 0;
    Histogram hist_;
    uint8_t sendbuf_[64 * 1024];
    uint8_t recvbuf_[64 * 1024];
};

void usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s --port P [--host 127.0.0.1] [--conns N] [--size BYTES] [--depth D]\n"
                 "          [--duration S] [--warmup S] [--server-pid PID] [--connect-timeout S]\n"
                 "       %s --port P --idle N [--hold S]\n",
                 argv0, argv0);
}

// Idle mode alone needs ~N descriptors; so may a big --conns.
void raise_nofile() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    static const option longopts[] = {{"port", required_argument, nullptr, 'p'},
                                      {"host", required_argument, nullptr, 'H'},
                                      {"conns", required_argument, nullptr, 'c'},
                                      {"size", required_argument, nullptr, 's'},
                                      {"depth", required_argument, nullptr, 'd'},
                                      {"duration", required_argument, nullptr, 't'},
                                      {"warmup", required_argument, nullptr, 'w'},
                                      {"idle", required_argument, nullptr, 'i'},
                                      {"hold", required_argument, nullptr, 'h'},
                                      {"server-pid", required_argument, nullptr, 'P'},
                                      {"connect-timeout", required_argument, nullptr, 'T'},
                                      {"help", no_argument, nullptr, '?'},
                                      {nullptr, 0, nullptr, 0}};
    for (int ch; (ch = getopt_long(argc, argv, "", longopts, nullptr)) != -1;) {
        switch (ch) {
        case 'p':
            o.port = std::atoi(optarg);
            break;
        case 'H':
            o.host = optarg;
            break;
        case 'c':
            o.conns = std::atoi(optarg);
            break;
        case 's':
            o.size = std::size_t(std::strtoull(optarg, nullptr, 10));
            break;
        case 'd':
            o.depth = std::atoi(optarg);
            break;
        case 't':
            o.duration = std::atof(optarg);
            break;
        case 'w':
            o.warmup = std::atof(optarg);
            break;
        case 'i':
            o.idle = std::atoi(optarg);
            break;
        case 'h':
            o.hold = std::atof(optarg);
            break;
        case 'P':
            o.server_pid = std::atoi(optarg);
            break;
        case 'T':
            o.connect_timeout = std::atof(optarg);
            break;
        default:
            usage(argv[0]);
            return 2;
        }
    }
    if (optind != argc || o.port <= 0 || o.port > 65535 || o.conns < 1 || o.size < 1 ||
        o.depth < 1 || o.duration < 0 || o.warmup < 0 || o.idle < 0 || o.hold < 0) {
        usage(argv[0]);
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    auto* load = new Load(o); // on the heap: it carries 128 KiB of buffers
    return load->run();
}
