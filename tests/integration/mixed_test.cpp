// One engine serving tcp, unix, udp and tls addresses at once, each with its own handler, and
// each reached by its own kind of client.
#include "support.hpp"
#include "tls_support.hpp"

#include <sys/un.h>

namespace {

using namespace std::chrono_literals;

// Answers each read with `tag` followed by the bytes.
corio::handler tagged(std::string tag) {
    return [tag](corio::connection& c) -> corio::task<> {
        while (auto b = co_await c.read()) {
            c.writev({tag, b});
            c.discard(b.size());
            auto failed = co_await c.flush();
            if (failed) break;
        }
    };
}

std::string unix_ask(const std::string& path, const std::string& what) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, path.data(), path.size());
    REQUIRE(test::connect_retry(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    test::send_retry(fd, what.data(), what.size(), MSG_NOSIGNAL);
    char buf[256];
    ssize_t n = test::recv_retry(fd, buf, sizeof buf, 0);
    ::close(fd);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::string udp_ask(std::uint16_t port, const std::string& what) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    for (int attempt = 0; attempt < 5 && got.empty(); ++attempt) {
        test::sendto_retry(fd, what.data(), what.size(), 0, reinterpret_cast<sockaddr*>(&sin),
                           sizeof sin);
        char buf[256];
        ssize_t n = test::recv_retry(fd, buf, sizeof buf, 0);
        if (n > 0) got.assign(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return got;
}

} // namespace

TEST_CASE("mixed listeners: tcp, unix, udp and tls on one engine, each with its handler") {
    const auto& f = test::tls_files::get();
    auto tls = test::tls_files::server_options();
    corio::engine e(test::test_options(2));
    auto tcp_port = e.serve("tcp://127.0.0.1:0", tagged("tcp:")).port;
    std::string path = "/tmp/corio-mixed-" + std::to_string(::getpid()) + ".sock";
    e.serve("unix://" + path, tagged("unix:"));
    auto tls_port = e.serve("tls://127.0.0.1:0", tagged("tls:"), tls).port;
    auto udp_port = e.serve("udp://127.0.0.1:0", [](corio::datagram_socket& s) -> corio::task<> {
                         while (auto d = co_await s.receive()) {
                             std::string answer = "udp:" + std::string(d.payload());
                             co_await s.reply(d, answer);
                         }
                     }).port;
    e.start();

    test::client tcp(tcp_port);
    REQUIRE(tcp.send("a"));
    CHECK(tcp.recv(5) == "tcp:a");
    CHECK(unix_ask(path, "b") == "unix:b");
    CHECK(udp_ask(udp_port, "c") == "udp:c");
    auto over_tls = [&]() -> corio::task<std::string> {
        corio::dial_options o;
        o.tls.ca_file = f.cert;
        auto c = co_await corio::dial(e, "tls://localhost:" + std::to_string(tls_port), o);
        c->write("d");
        co_await c->flush();
        auto b = co_await c->next(5);
        co_return std::string(b);
    };
    CHECK(test::run_on(e, over_tls()) == "tls:d");
    e.stop();
    e.wait();
}
