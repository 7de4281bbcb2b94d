// corio-proxy: a TCP/TLS reverse proxy. Each accepted connection dials the upstream and pumps
// bytes both ways; a side that reads slowly holds the other back (flush waits while the
// outbound backlog is over the high-water mark), so memory stays bounded per connection.
#include "../common/sample_flags.hpp"

#include <corio/corio.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <cstdio>
#include <exception>

namespace {

struct upstream_flags {
    std::string url;
    corio::dial_options dial;
};

// Copies `from` to `to` until `from` ends, then passes the end on: a FIN becomes a FIN
// (TLS: close_notify, by closing), an error or reset closes both sides.
corio::task<> pump(corio::connection& from, corio::connection& to) {
    while (auto bytes = co_await from.read()) {
        if (!to.write(bytes)) break;
        from.discard(bytes.size());
        auto failed = co_await to.flush(); // backpressure: waits while `to` is backed up
        if (failed) break;
    }
    if (from.error() == corio::errc::eof && !to.error() && !to.is_tls()) {
        to.shutdown_write();
        co_return;
    }
    co_await to.close();
    co_await from.close();
}

corio::task<> proxy(corio::engine& engine, const upstream_flags& upstream,
                    corio::connection& down) {
    std::shared_ptr<corio::connection> up;
    try {
        up = co_await corio::dial(engine, upstream.url, upstream.dial);
    } catch (const std::exception& e) {
        engine.log(corio::log_level::warn,
                   std::string("client ") + down.remote_address() + ": " + e.what());
        co_return;
    }
    using namespace boost::asio::experimental::awaitable_operators;
    co_await (pump(down, *up) && pump(*up, down));
}

} // namespace

int main(int argc, char** argv) {
    std::string usage = "usage: corio-proxy --upstream URL [flags]\n\n"
                        "Forwards each connection to URL (tcp://, unix:// or tls://).\n\n";
    usage += samples::common_usage;
    usage += "  --upstream URL     where to forward (required)\n"
             "  --upstream-ca F    trust F for a tls:// upstream (default: system store)\n"
             "  --upstream-insecure  do not verify a tls:// upstream's certificate\n"
             "  --upstream-name N  SNI and certificate name for a tls:// upstream\n"
             "  --spread           put upstream connections on the balancer's loop instead of\n"
             "                     the client's (costs a hop per operation)\n";
    upstream_flags upstream;
    upstream.dial.on_current_loop = true;
    auto flags = samples::parse_flags(argc, argv, usage, "tcp://127.0.0.1:9002",
                                      [&](std::string_view name, const char* value) {
                                          if (name == "--upstream-insecure") {
                                              upstream.dial.tls.verify_peer = false;
                                              return 0;
                                          }
                                          if (name == "--spread") {
                                              upstream.dial.on_current_loop = false;
                                              return 0;
                                          }
                                          if (!value) return -1;
                                          if (name == "--upstream")
                                              upstream.url = value;
                                          else if (name == "--upstream-ca")
                                              upstream.dial.tls.ca_file = value;
                                          else if (name == "--upstream-name")
                                              upstream.dial.tls.server_name = value;
                                          else
                                              return -1;
                                          return 1;
                                      });
    if (upstream.url.empty()) {
        std::fprintf(stderr, "corio-proxy: --upstream URL is required\n\n%s", usage.c_str());
        return 2;
    }
    try {
        corio::engine engine(flags.options);
        for (const auto& address : flags.addresses)
            samples::serve(engine, flags, address,
                           [&](corio::connection& down) { return proxy(engine, upstream, down); });
        engine.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "corio-proxy: %s\n", e.what());
        return 1;
    }
}
