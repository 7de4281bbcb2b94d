// corio-chat: a line-based chat server with rooms, ported from the shape of the well-known Go
// chat servers (a goroutine per connection, one hub goroutine owning the rooms, channels
// between them, a ticker that kicks idle clients, a context for shutdown). The server itself
// is in src/chat_server.cpp; docs/porting-from-go.md puts it beside its Go original.
//
//     $ corio-chat --loops 4 --idle-timeout-ms 300000 &
//     $ nc 127.0.0.1 9010        # first line: your nickname; then /join ROOM, /quit, text
#include "../common/sample_flags.hpp"
#include "src/chat_server.hpp"

#include <corio/corio.hpp>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <exception>

int main(int argc, char** argv) {
    std::string usage = "usage: corio-chat [flags]\n\n"
                        "A chat server: the first line is a nickname, then /join ROOM (everyone\n"
                        "starts in lobby), /quit, or a line for the room.\n\n"
                        "  --idle-timeout-ms N  kick members silent for longer (default 60000)\n";
    usage += samples::common_usage;
    chat::config cfg;
    auto flags = samples::parse_flags(
        argc, argv, usage, "tcp://127.0.0.1:9010", [&](std::string_view name, const char* value) {
            if (name != "--idle-timeout-ms") return -1;
            std::string_view v = value ? value : "";
            long long ms = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
            if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || ms <= 0) {
                std::fprintf(stderr, "corio-chat: --idle-timeout-ms needs a positive number\n");
                std::exit(2);
            }
            cfg.idle_timeout = std::chrono::milliseconds(ms);
            return 1;
        });
    // Chat lines are short: a line longer than this ends its connection (read_until stops at
    // the inbound cap).
    flags.options.inbound_cap = std::size_t{64} << 10;
    try {
        chat::server chat(cfg);
        // The hub starts once the loops run. The engine's stop (SIGINT, SIGTERM) cancels the
        // root context through engine.stop_context() (see chat::server::start).
        flags.options.on_boot = [&chat](corio::engine& e) { chat.start(e); };
        corio::engine engine(flags.options);
        for (const auto& address : flags.addresses)
            samples::serve(engine, flags, address, chat.handler());
        engine.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "corio-chat: %s\n", e.what());
        return 1;
    }
}
