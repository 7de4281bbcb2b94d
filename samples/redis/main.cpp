// corio-redis: a Redis-compatible server on corio, sharded shared-nothing across loops.
// Command line as redis-server's: [config-file] [--name value ...], plus --loops N. Serves
// the plain port and, with tls-port, a TLS one on every bind address.
#include "src/persist/startup_load.hpp"
#include "src/server.hpp"

#include <corio/corio.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fmt/format.h>
#include <stdexcept>

namespace {

// tls-cert-file, tls-key-file, tls-ca-cert-file and tls-auth-clients (yes: a client must show
// a certificate the CA signed; optional: if it shows one; no: none is asked for), as Redis.
corio::tls_options tls_listener(const corio_redis::config& cfg) {
    corio::tls_options t;
    t.certificate_file = cfg.get("tls-cert-file").value_or("");
    t.private_key_file = cfg.get("tls-key-file").value_or("");
    t.ca_file = cfg.get("tls-ca-cert-file").value_or("");
    const std::string auth = cfg.get("tls-auth-clients").value_or("yes");
    t.verify_peer = auth != "no";
    t.require_peer_certificate = auth == "yes";
    if (t.verify_peer && t.ca_file.empty())
        throw std::invalid_argument("Either tls-ca-cert-file or tls-ca-cert-dir must be specified "
                                    "when tls-cluster, tls-replication or tls-auth-clients are "
                                    "enabled!");
    return t;
}

} // namespace

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
        // The final save (SHUTDOWN, SIGTERM, SIGINT) runs once every client is gone.
        corio_redis::server* running = nullptr;
        bool shutdown_save_failed = false;
        opts.on_shutdown = [&running, &shutdown_save_failed](corio::engine&) {
            if (running && !running->save_at_shutdown()) shutdown_save_failed = true;
        };
        corio::engine engine(opts);
        if (!corio_redis::fit_maxclients(cfg, engine)) return EXIT_FAILURE; // RLIMIT_NOFILE
        corio_redis::server srv(engine, cfg);
        running = &srv;
        // With appendonly yes the append-only files are the data, as in Redis (a dump.rdb
        // beside them is not read).
        if (*cfg.get("appendonly") == "yes") {
            const auto started = std::chrono::steady_clock::now();
            const std::uint64_t keys = srv.aof().start();
            engine.log(corio::log_level::info,
                       fmt::format(
                           "DB loaded from append only file: {:.3f} seconds ({} keys)",
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                               .count(),
                           keys));
        }
        auto loaded = *cfg.get("appendonly") == "yes" ? corio_redis::persist::load_outcome{}
                                                      : corio_redis::persist::load_snapshot(srv);
        if (loaded.found)
            engine.log(corio::log_level::info,
                       fmt::format("DB loaded from disk: {:.3f} seconds ({} keys, {} expired "
                                   "keys skipped)",
                                   loaded.seconds, loaded.loaded, loaded.expired));
        const std::uint16_t port = cfg.port(), tls_port = cfg.tls_port();
        if (port == 0 && tls_port == 0)
            throw std::invalid_argument("Configured to not listen anywhere, exiting.");
        const corio::tls_options tls = tls_port ? tls_listener(cfg) : corio::tls_options{};
        auto handler = [&srv](corio::connection& conn) {
            return corio_redis::serve_client(srv, conn);
        };
        for (const auto& host : cfg.bind()) {
            const bool v6 = host.find(':') != std::string::npos;
            const std::string where = v6 ? fmt::format("[{}]", host) : host;
            corio::listener_info info;
            if (port) { // port 0: the TLS port only, as in Redis
                info = engine.serve(fmt::format("{}://{}:{}", v6 ? "tcp6" : "tcp", where, port),
                                    handler);
                engine.log(corio::log_level::info,
                           fmt::format("corio-redis ready to accept connections on {}",
                                       info.local_address));
            }
            if (tls_port) {
                info = engine.serve(fmt::format("tls://{}:{}", where, tls_port), handler, tls);
                engine.log(corio::log_level::info,
                           fmt::format("corio-redis ready to accept TLS connections on {}",
                                       info.local_address));
            }
        }
        srv.start_expiry();
        srv.snapshots().start_schedule();
        corio_redis::start_client_checks(srv); // timeout, output limits' soft seconds
        engine.run();
        running = nullptr;
        if (shutdown_save_failed) return EXIT_FAILURE;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "corio-redis: %s\n", e.what());
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
