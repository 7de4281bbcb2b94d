// corio-redis: a Redis-compatible server on corio, sharded shared-nothing across loops.
// Command line as redis-server's: [config-file] [--name value ...], plus --loops N.
#include "src/server.hpp"

#include <corio/corio.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fmt/format.h>
#include <stdexcept>

int main(int argc, char** argv) {
    corio_redis::config cfg;
    try {
        if (argc > 1 &&
            (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
            std::printf("Usage: corio-redis [/path/to/redis.conf] [--name value ...]\n"
                        "redis-server's parameter names (--port, --bind, --requirepass, "
                        "--databases, ...), plus --loops N (0: one per core).\n");
            return EXIT_SUCCESS;
        }
        cfg.load_command_line(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return EXIT_FAILURE;
    }
    try {
        corio::options opts;
        opts.loops = cfg.loops();
        opts.inbound_cap = cfg.client_query_buffer_limit() + 64 * 1024;
        std::string level = cfg.loglevel();
        auto sink = corio::stderr_logger();
        bool quiet = level == "warning" || level == "nothing";
        opts.logger = [sink, quiet](corio::log_level l, std::string_view line) {
            if (quiet && l < corio::log_level::warn) return;
            sink(l, line);
        };
        corio::engine engine(opts);
        if (!corio_redis::fit_maxclients(cfg, engine)) return EXIT_FAILURE; // RLIMIT_NOFILE
        corio_redis::server srv(engine, cfg);
        for (const auto& host : cfg.bind()) {
            std::string url = host.find(':') != std::string::npos
                                  ? fmt::format("tcp6://[{}]:{}", host, cfg.port())
                                  : fmt::format("tcp://{}:{}", host, cfg.port());
            auto info = engine.serve(url, [&srv](corio::connection& conn) {
                return corio_redis::serve_client(srv, conn);
            });
            engine.log(
                corio::log_level::info,
                fmt::format("corio-redis ready to accept connections on {}", info.local_address));
        }
        srv.start_expiry();
        corio_redis::start_client_checks(srv); // timeout, output limits' soft seconds
        engine.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "corio-redis: %s\n", e.what());
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
