// corio-gnet-echo: gnet's echo example ported line by line to a corio::event_handler. Each
// arrival is written back from on_traffic; corio sends it when the callback returns. It
// serves tcp://, unix://, tls:// and udp:// (each datagram back to its sender) alike.
#include "../common/sample_flags.hpp"

#include <corio/corio.hpp>

#include <cstdio>
#include <exception>
#include <string>

namespace {

class echo_server : public corio::event_handler {
public:
    corio::action on_boot(corio::engine& e) override {
        std::fprintf(stderr, "corio-gnet-echo: echo server with %zu loop(s) is listening\n",
                     e.loop_count());
        return corio::action::none;
    }

    corio::action on_traffic(corio::event_conn& c) override {
        auto buf = c.next(-1); // everything that arrived; valid until on_traffic returns
        c.write(buf);          // sent from the inbound buffer once this returns: no copy
        return corio::action::none;
    }
};

} // namespace

int main(int argc, char** argv) {
    std::string usage = "usage: corio-gnet-echo [flags]\n\nEchoes bytes back through a gnet-style "
                        "event handler.\n\n";
    usage += samples::common_usage;
    usage += "\nudp://, udp4:// and udp6:// addresses are served too.\n";
    auto flags = samples::parse_flags(argc, argv, usage, "tcp://127.0.0.1:9000");
    corio::event_options opts;
    opts.engine = flags.options;
    opts.tls = flags.tls;
    echo_server handler;
    try {
        corio::run(handler, flags.addresses, opts); // blocks until SIGINT or SIGTERM
    } catch (const std::exception& e) {
        std::fprintf(stderr, "corio-gnet-echo: %s\n", e.what());
        return 1;
    }
}
