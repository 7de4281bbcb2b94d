// corio-echo: echoes every byte back. The smallest complete corio server, and the server the
// echo benchmarks in perf/ measure.
#include "../common/sample_flags.hpp"

#include <corio/corio.hpp>

#include <cstdio>
#include <exception>

namespace {

corio::task<> echo(corio::connection& conn) {
    while (auto bytes = co_await conn.read()) { // empty at EOF
        // flush(bytes) sends straight from the inbound buffer when nothing is queued ahead.
        auto failed = co_await conn.flush(bytes);
        conn.discard(bytes.size());
        if (failed) break; // a write error ends the connection
    }
}

} // namespace

int main(int argc, char** argv) {
    std::string usage = "usage: corio-echo [flags]\n\nEchoes bytes back.\n\n";
    usage += samples::common_usage;
    auto flags = samples::parse_flags(argc, argv, usage, "tcp://127.0.0.1:9000");
    try {
        corio::engine engine(flags.options);
        for (const auto& address : flags.addresses) samples::serve(engine, flags, address, echo);
        engine.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "corio-echo: %s\n", e.what());
        return 1;
    }
}
