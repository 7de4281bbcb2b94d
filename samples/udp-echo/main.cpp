// corio-udp-echo: sends every datagram back to its sender, one socket per loop. Prints what
// it received, sent and dropped when it stops (SIGINT/SIGTERM).
#include "../common/sample_flags.hpp"

#include <corio/corio.hpp>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>

namespace {

struct totals {
    std::atomic<std::uint64_t> received{0}, sent{0}, dropped_oversized{0}, send_errors{0};
};

totals counters;

corio::task<> echo(corio::datagram_socket& socket) {
    std::uint64_t send_errors = 0;
    while (auto d = co_await socket.receive()) { // ends with errc::shutting_down on stop
        auto failed = co_await socket.reply(d, d.payload());
        if (failed) ++send_errors; // e.g. no buffer space: UDP may drop, the loop goes on
    }
    counters.received += socket.received();
    counters.sent += socket.sent();
    counters.dropped_oversized += socket.dropped_oversized();
    counters.send_errors += send_errors;
}

} // namespace

int main(int argc, char** argv) {
    std::string usage =
        "usage: corio-udp-echo [flags]\n\nEchoes each UDP datagram to its sender.\n\n";
    usage += samples::common_usage;
    usage += "  --max-datagram N   largest datagram echoed (default 65507); larger are dropped\n"
             "\nAddresses are udp://, udp4:// or udp6:// (default udp://127.0.0.1:9001); add\n"
             "?join=GROUP&interface=ADDRESS to join a multicast group.\n";
    std::size_t max_datagram = 0;
    auto flags = samples::parse_flags(
        argc, argv, usage, "udp://127.0.0.1:9001", [&](std::string_view flag, const char* value) {
            if (flag != "--max-datagram") return -1;
            std::string_view v = value ? value : "";
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), max_datagram);
            if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) {
                std::fprintf(stderr, "corio-udp-echo: bad --max-datagram value\n");
                std::exit(2);
            }
            return 1;
        });
    if (max_datagram) flags.options.max_datagram_size = max_datagram;
    try {
        corio::engine engine(flags.options);
        for (const auto& address : flags.addresses) engine.serve(address, echo);
        engine.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "corio-udp-echo: %s\n", e.what());
        return 1;
    }
    std::printf("corio-udp-echo: received %llu, sent %llu, dropped (oversized) %llu, send errors "
                "%llu\n",
                static_cast<unsigned long long>(counters.received.load()),
                static_cast<unsigned long long>(counters.sent.load()),
                static_cast<unsigned long long>(counters.dropped_oversized.load()),
                static_cast<unsigned long long>(counters.send_errors.load()));
}
