// A small line-protocol server built out of tree against an installed corio, as a user would:
// read_until, write/flush, a ticker, a dial from a handler, offload, a coroutine started from
// main, and SIGINT. tests/consumer/run.sh builds it (pkg-config and CMake) and talks to it.
//
//   PING -> PONG            ECHO <text> -> <text>      SLOW -> done (after a 50 ms offload)
//   TICKS -> yes if the ticker has ticked              SPAWNED -> yes if main's coroutine ran
//   UPSTREAM -> what PING says when this server dials itself
#include <corio/corio.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;

std::atomic<long> ticks{0};
std::atomic<bool> spawned{false};
std::string self_url;

corio::task<std::string> ask_upstream(corio::engine& engine) {
    auto up = co_await corio::dial(engine, self_url);
    up->write("PING\n");
    auto failed = co_await up->flush();
    if (failed) co_return "flush failed: " + failed.message();
    auto line = co_await up->read_until("\n");
    std::string answer = line ? std::string(line.substr(0, line.size() - 1)) : "no answer";
    co_return answer;
}

corio::task<std::string> answer(corio::engine& engine, std::string_view line) {
    if (line == "PING") co_return "PONG";
    if (line.starts_with("ECHO ")) co_return std::string(line.substr(5));
    if (line == "SLOW") {
        co_await corio::offload([] { std::this_thread::sleep_for(50ms); });
        co_return "done";
    }
    if (line == "TICKS") co_return ticks.load() > 0 ? "yes" : "no";
    if (line == "SPAWNED") co_return spawned.load() ? "yes" : "no";
    if (line == "UPSTREAM") co_return co_await ask_upstream(engine);
    co_return "unknown command";
}

corio::task<> serve_lines(corio::engine& engine, corio::connection& conn) {
    for (;;) {
        auto line = co_await conn.read_until("\n");
        if (!line) break;
        std::string text(line.substr(0, line.size() - 1));
        conn.discard(line.size());
        std::string reply = co_await answer(engine, text);
        conn.write(reply);
        conn.write("\n");
        auto failed = co_await conn.flush();
        if (failed) break;
    }
}

corio::task<> mark_spawned() {
    spawned = true;
    co_return;
}

} // namespace

int main(int argc, char** argv) {
    std::string port = argc > 1 ? argv[1] : "0";
    corio::engine engine({.loops = 2, .shutdown_timeout = 2000ms});
    auto info = engine.serve("tcp://127.0.0.1:" + port, [&engine](corio::connection& conn) {
        return serve_lines(engine, conn);
    });
    self_url = "tcp://127.0.0.1:" + std::to_string(info.port);
    auto ticker = engine.every(10ms, [] { ++ticks; });
    engine.start();
    // A coroutine started from outside any handler, on a loop of its choosing.
    corio::co_spawn(engine.get_loop(0).get_executor(), mark_spawned(), corio::detached);
    std::printf("listening on %u\n", static_cast<unsigned>(info.port));
    std::fflush(stdout);
    engine.wait(); // until SIGINT or SIGTERM
    ticker.cancel();
    return EXIT_SUCCESS;
}
