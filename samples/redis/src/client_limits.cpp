// Client limits; see client_limits.hpp.
#include "client_limits.hpp"

#include "config.hpp"

#include <corio/engine.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <strings.h>

namespace corio_redis {
namespace {

constexpr std::uint64_t mb = 1024 * 1024;

// Both names Redis takes for a class; CONFIG GET writes the first, REWRITE the second.
struct class_name {
    std::string_view get_name, rewrite_name, alias;
};
constexpr class_name class_names[client_class_count] = {
    {"normal", "normal", "normal"},
    {"slave", "replica", "replica"},
    {"pubsub", "pubsub", "pubsub"},
};

int class_of(std::string_view name) {
    auto same = [&](std::string_view a) {
        return a.size() == name.size() && ::strncasecmp(a.data(), name.data(), a.size()) == 0;
    };
    for (std::size_t i = 0; i < client_class_count; ++i)
        if (same(class_names[i].get_name) || same(class_names[i].alias)) return static_cast<int>(i);
    return -1;
}

// Redis reads the seconds with strtoll and keeps them in an int: what does not fit wraps.
bool parse_seconds(std::string_view text, std::int64_t& out) {
    long long n = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || n < 0) return false;
    out = static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(n)));
    return true;
}

// Bytes in the largest unit that divides them, as CONFIG REWRITE writes memory values.
std::string memory_words(std::uint64_t n) {
    if (n == 0) return "0";
    if (n % (1ull << 30) == 0) return std::to_string(n >> 30) + "gb";
    if (n % (1ull << 20) == 0) return std::to_string(n >> 20) + "mb";
    if (n % (1ull << 10) == 0) return std::to_string(n >> 10) + "kb";
    return std::to_string(n);
}

} // namespace

output_limits default_output_limits() noexcept {
    return {{{0, 0, 0}, {256 * mb, 64 * mb, 60}, {32 * mb, 8 * mb, 60}}};
}

bool parse_output_limits(std::string_view value, output_limits& limits, std::string& error) {
    if (value.empty()) return true;
    // Single spaces separate the words, as Redis splits it: two in a row make an empty word.
    std::vector<std::string_view> words;
    for (std::size_t p = 0;;) {
        std::size_t q = value.find(' ', p);
        words.push_back(value.substr(p, q == std::string_view::npos ? q : q - p));
        if (q == std::string_view::npos) break;
        p = q + 1;
    }
    if (words.size() % 4 != 0) {
        error = "Wrong number of arguments in buffer limit configuration.";
        return false;
    }
    output_limits next = limits;
    for (std::size_t i = 0; i < words.size(); i += 4) {
        int cls = class_of(words[i]);
        if (cls < 0) {
            error = "Invalid client class specified in buffer limit configuration.";
            return false;
        }
        long long hard = 0, soft = 0;
        std::int64_t seconds = 0;
        if (!parse_memory(words[i + 1], hard) || !parse_memory(words[i + 2], soft) ||
            !parse_seconds(words[i + 3], seconds)) {
            error = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            return false;
        }
        next[static_cast<std::size_t>(cls)] = {static_cast<std::uint64_t>(hard),
                                               static_cast<std::uint64_t>(soft), seconds};
    }
    limits = next;
    return true;
}

std::string output_limits_text(const output_limits& limits) {
    std::string out;
    for (std::size_t i = 0; i < client_class_count; ++i) {
        if (i) out += ' ';
        out += class_names[i].get_name;
        out += ' ' + std::to_string(limits[i].hard) + ' ' + std::to_string(limits[i].soft) + ' ' +
               std::to_string(limits[i].soft_seconds);
    }
    return out;
}

std::vector<std::pair<std::string, bool>> output_limits_lines(const output_limits& limits) {
    const output_limits defaults = default_output_limits();
    std::vector<std::pair<std::string, bool>> lines;
    for (std::size_t i = 0; i < client_class_count; ++i) {
        std::string line = "client-output-buffer-limit ";
        line += class_names[i].rewrite_name;
        line += ' ' + memory_words(limits[i].hard) + ' ' + memory_words(limits[i].soft) + ' ' +
                std::to_string(limits[i].soft_seconds);
        lines.emplace_back(std::move(line), limits[i] != defaults[i]);
    }
    return lines;
}

bool output_guard::broken(std::uint64_t used, const output_limit& limit) noexcept {
    if (limit.hard != 0 && used >= limit.hard) return true;
    if (limit.soft == 0 || used < limit.soft) {
        soft_since_ = {};
        return false;
    }
    // Whole seconds, as Redis counts them (its cached unix time): over once more than
    // soft_seconds of them have passed since it was first seen over.
    const auto now = clock::now();
    if (soft_since_ == clock::time_point{}) {
        soft_since_ = now;
        return false;
    }
    using std::chrono::duration_cast;
    using std::chrono::seconds;
    const auto elapsed = duration_cast<seconds>(now.time_since_epoch()).count() -
                         duration_cast<seconds>(soft_since_.time_since_epoch()).count();
    return elapsed > limit.soft_seconds;
}

fd_fit fit_open_files(std::size_t wanted) {
    fd_fit fit;
    fit.clients = wanted;
    fit.wanted_fds = static_cast<std::uint64_t>(wanted) + reserved_fds;
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        // Unknown: keep what was asked, as Redis does.
        fit.error = errno;
        return fit;
    }
    fit.old_limit = fit.new_limit = lim.rlim_cur;
    if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= fit.wanted_fds) return fit;
    // Redis tries the whole wish, then 16 fewer at a time until the kernel takes one (the
    // hard limit raised too, which root may do up to fs.nr_open). What it takes is every
    // value up to some bound, so a binary search over those steps finds the same number
    // with a few calls instead of up to millions.
    const rlim_t old = lim.rlim_cur;
    auto take = [&](rlim_t n) {
        rlimit want = lim;
        want.rlim_cur = n;
        if (want.rlim_max != RLIM_INFINITY && want.rlim_max < n) want.rlim_max = n;
        if (::setrlimit(RLIMIT_NOFILE, &want) == 0) return true;
        fit.error = errno;
        return false;
    };
    const rlim_t wanted_fds = fit.wanted_fds;
    rlim_t best = old;
    if (take(wanted_fds)) {
        best = wanted_fds;
    } else {
        // Steps k = 1..steps give wanted_fds - 16k, all above the old limit.
        const rlim_t steps = (wanted_fds - old - 1) / 16;
        rlim_t lo = 1, hi = steps + 1; // the answer is in [lo, hi); hi: none taken
        while (lo < hi) {
            const rlim_t mid = lo + (hi - lo) / 2;
            if (take(wanted_fds - 16 * mid))
                hi = mid;
            else
                lo = mid + 1;
        }
        if (lo <= steps && take(wanted_fds - 16 * lo))
            best = wanted_fds - 16 * lo;
        else
            ::setrlimit(RLIMIT_NOFILE, &lim); // none: back to where it was
    }
    fit.new_limit = best;
    if (best < fit.wanted_fds) fit.clients = best > reserved_fds ? best - reserved_fds : 0;
    return fit;
}

bool fit_maxclients(config& cfg, const corio::engine& engine) {
    const std::size_t wanted = cfg.maxclients();
    const fd_fit fit = fit_open_files(wanted);
    if (fit.clients == 0) {
        engine.log(corio::log_level::error, "The open files limit (ulimit -n) of " +
                                                std::to_string(fit.old_limit) +
                                                " is too low to start: raise it to at least " +
                                                std::to_string(fit.wanted_fds) + ".");
        return false;
    }
    if (fit.clients != wanted) {
        std::string error;
        cfg.set("maxclients", {std::to_string(fit.clients)}, error);
        engine.log(corio::log_level::warn,
                   "maxclients " + std::to_string(wanted) + " needs " +
                       std::to_string(fit.wanted_fds) +
                       " open files, but the limit could not be raised past " +
                       std::to_string(fit.new_limit) + " (" + std::strerror(fit.error) +
                       "): maxclients is lowered to " + std::to_string(fit.clients) +
                       ". Raise 'ulimit -n' for more.");
    } else if (fit.changed()) {
        engine.log(corio::log_level::info, "Raised the open files limit to " +
                                               std::to_string(fit.new_limit) + " (it was " +
                                               std::to_string(fit.old_limit) + ") for maxclients " +
                                               std::to_string(wanted) + ".");
    }
    cfg.check_open_files();
    return true;
}

void apply_tcp_keepalive(int fd, long long seconds) noexcept {
    if (seconds <= 0) return;
    int one = 1;
    int idle = seconds > 0x7fffffff ? 0x7fffffff : static_cast<int>(seconds);
    int interval = idle / 3 > 0 ? idle / 3 : 1;
    int count = 3;
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

} // namespace corio_redis
