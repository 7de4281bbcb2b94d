// What the command and append-only fuzz targets keep for the whole run: the configuration,
// an engine with one loop that never starts (a shard needs a loop to name; nothing runs on
// it) and the server with its command table.
#pragma once

#include "server.hpp"

#include <corio/engine.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

namespace corio_fuzz {

struct server_fixture {
    corio_redis::config cfg;
    std::unique_ptr<corio::engine> engine;
    std::unique_ptr<corio_redis::server> srv;

    server_fixture() {
        std::string error;
        // 1mb: every string a command may grow is bounded; no save points: nothing on disk.
        for (auto [name, value] :
             {std::pair<const char*, const char*>{"proto-max-bulk-len", "1mb"}, {"save", ""}}) {
            if (!cfg.set(name, {value}, error)) {
                std::fprintf(stderr, "fuzz fixture: config %s: %s\n", name, error.c_str());
                std::abort();
            }
        }
        corio::options opts;
        opts.loops = 1;
        opts.handle_signals = false;
        opts.logger = [](corio::log_level, std::string_view) {};
        engine = std::make_unique<corio::engine>(opts);
        srv = std::make_unique<corio_redis::server>(*engine, cfg);
    }
};

} // namespace corio_fuzz
