// Unix-domain stream listeners: echo over a socket file and an abstract name, a stale socket
// file from a dead server is replaced, a live one is refused, the file goes with the engine.
#include "support.hpp"

#include <fstream>
#include <sys/stat.h>
#include <sys/un.h>

namespace {

std::string temp_socket_path(const char* tag) {
    return "/tmp/corio-test-" + std::to_string(::getpid()) + "-" + tag + ".sock";
}

sockaddr_un unix_address(const std::string& path, socklen_t& len) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, path.data(), path.size());
    if (path.front() == '@') sun.sun_path[0] = '\0';
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                 (path.front() == '@' ? 0 : 1));
    return sun;
}

// A blocking unix client: connects, sends, reads exactly n bytes back (5 s limit).
std::string unix_round_trip(const std::string& path, const std::string& payload) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    socklen_t len;
    auto sun = unix_address(path, len);
    REQUIRE(test::connect_retry(fd, reinterpret_cast<sockaddr*>(&sun), len) == 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string_view rest = payload;
    while (!rest.empty()) {
        ssize_t n = test::send_retry(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n <= 0) break;
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    std::string out;
    char buf[65536];
    while (out.size() < payload.size()) {
        ssize_t n = test::recv_retry(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

} // namespace

TEST_CASE("unix: echo over a socket file, removed when the engine goes") {
    std::string path = temp_socket_path("echo");
    ::unlink(path.c_str());
    {
        test::running_engine server(test::test_options(2), test::echo_handler, "unix://" + path);
        CHECK(exists(path));
        std::string big(300000, 'u');
        for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
        CHECK(unix_round_trip(path, "hello") == "hello");
        CHECK(unix_round_trip(path, big) == big);
    }
    CHECK_FALSE(exists(path));
}

TEST_CASE("unix: a stale socket file is replaced, a live one is refused") {
    std::string path = temp_socket_path("stale");
    ::unlink(path.c_str());
    // A server that died: its socket file stays behind with nobody listening.
    int dead = ::socket(AF_UNIX, SOCK_STREAM, 0);
    socklen_t len;
    auto sun = unix_address(path, len);
    REQUIRE(::bind(dead, reinterpret_cast<sockaddr*>(&sun), len) == 0);
    ::close(dead);
    REQUIRE(exists(path));

    test::running_engine server(test::test_options(1), test::echo_handler, "unix://" + path);
    CHECK(unix_round_trip(path, "after stale") == "after stale");

    corio::engine second(test::test_options(1));
    CHECK_THROWS_WITH_AS(second.serve("unix://" + path, test::echo_handler),
                         doctest::Contains("already listening"), std::system_error);
    CHECK(unix_round_trip(path, "still served") == "still served");

    std::string plain = temp_socket_path("plainfile");
    { std::ofstream(plain) << "not a socket"; }
    CHECK_THROWS_WITH_AS(second.serve("unix://" + plain, test::echo_handler),
                         doctest::Contains("not a socket"), std::system_error);
    ::unlink(plain.c_str());
}

TEST_CASE("unix: abstract names") {
    std::string name = "@corio-test-" + std::to_string(::getpid());
    test::running_engine server(test::test_options(2), test::echo_handler, "unix://" + name);
    CHECK(unix_round_trip(name, "abstract") == "abstract");
}
