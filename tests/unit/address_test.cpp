// Address URL parsing, balancer names and engine option validation: clear errors for bad input.
#include <corio/corio.hpp>

#include <doctest/doctest.h>

#include <string>

namespace {

std::string error_of(std::string_view url) {
    try {
        corio::parse_address(url);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return {};
}

} // namespace

TEST_CASE("tcp addresses parse into scheme, host and port") {
    auto a = corio::parse_address("tcp://127.0.0.1:9000");
    CHECK(a.scheme == corio::scheme::tcp);
    CHECK(a.host == "127.0.0.1");
    CHECK(a.port == 9000);
    auto b = corio::parse_address("tcp6://[::1]:0");
    CHECK(b.scheme == corio::scheme::tcp6);
    CHECK(b.host == "::1");
    CHECK(b.port == 0);
    auto c = corio::parse_address("tcp4://:6379");
    CHECK(c.host.empty());
    CHECK(c.port == 6379);
    CHECK(corio::parse_address("tcp://*:80").host.empty());
    auto u = corio::parse_address("unix:///tmp/x.sock");
    CHECK(u.scheme == corio::scheme::unix_stream);
    CHECK(u.path == "/tmp/x.sock");
    CHECK(corio::parse_address("unix://@abstract").path == "@abstract");
    CHECK_FALSE(corio::parse_address("udp://127.0.0.1:53").is_stream());
}

TEST_CASE("bad addresses give errors naming the address and the problem") {
    CHECK(error_of("127.0.0.1:9000").find("missing scheme") != std::string::npos);
    CHECK(error_of("ftp://host:21").find("unknown scheme 'ftp'") != std::string::npos);
    CHECK(error_of("tcp://127.0.0.1").find("missing ':port'") != std::string::npos);
    CHECK(error_of("tcp://127.0.0.1:99999").find("bad port '99999'") != std::string::npos);
    CHECK(error_of("tcp://127.0.0.1:12ab").find("bad port") != std::string::npos);
    CHECK(error_of("tcp://::1:80").find("brackets") != std::string::npos);
    CHECK(error_of("tcp6://[::1:80").find("unclosed") != std::string::npos);
    CHECK(error_of("tcp://host:").find("missing port") != std::string::npos);
    CHECK(error_of("unix://").find("missing socket path") != std::string::npos);
    CHECK(error_of("ftp://x:1").find("'ftp://x:1'") != std::string::npos);
}

TEST_CASE("invalid IP literals are refused by the parser, not sent to the resolver") {
    CHECK(error_of("tcp://999.1.1.1:80").find("'999.1.1.1' is not an IPv4 address") !=
          std::string::npos);
    CHECK(error_of("tcp://1.2.3:80").find("not an IPv4 address") != std::string::npos);
    CHECK(error_of("tcp://1.2.3.4.5:80").find("not an IPv4 address") != std::string::npos);
    CHECK(error_of("udp://256.0.0.1:53").find("not an IPv4 address") != std::string::npos);
    CHECK(error_of("tcp6://[::g]:80").find("'::g' is not an IPv6 address") != std::string::npos);
    CHECK(error_of("tcp6://[]:80").find("not an IPv6 address") != std::string::npos);
    // Valid literals and names still parse.
    CHECK(corio::parse_address("tcp://255.255.255.255:1").host == "255.255.255.255");
    CHECK(corio::parse_address("tcp://0.0.0.0:1").host == "0.0.0.0");
    CHECK(corio::parse_address("tcp6://[fe80::1%lo]:1").host == "fe80::1%lo");
    CHECK(corio::parse_address("tcp://localhost:1").host == "localhost");
    CHECK(corio::parse_address("tcp://a1.example:1").host == "a1.example");
}

TEST_CASE("balancers by name") {
    CHECK(corio::make_balancer("least_connections") != nullptr);
    CHECK(corio::make_balancer("round_robin") != nullptr);
    CHECK(corio::make_balancer("source_addr_hash")->needs_remote_endpoint());
    CHECK_THROWS_WITH_AS(corio::make_balancer("random"),
                         doctest::Contains("unknown balancer 'random'"), std::invalid_argument);
}

TEST_CASE("bad engine options are refused with the field named") {
    auto refuse = [](auto mutate, const char* field) {
        corio::options o;
        o.loops = 1;
        o.handle_signals = false;
        mutate(o);
        CHECK_THROWS_WITH_AS(corio::engine{o}, doctest::Contains(field), std::invalid_argument);
    };
    refuse([](corio::options& o) { o.block_size = 1000; }, "block_size");
    refuse([](corio::options& o) { o.outbound_high_water = o.outbound_cap + 1; },
           "outbound_high_water");
    refuse([](corio::options& o) { o.inbound_cap = 0; }, "inbound_cap");
    refuse([](corio::options& o) { o.listen_backlog = 0; }, "listen_backlog");
    refuse([](corio::options& o) { o.loops = 5000; }, "loops");
    refuse([](corio::options& o) { o.idle_timeout = std::chrono::milliseconds(-1); }, "timeouts");
}

TEST_CASE("serve refuses bad addresses, unsupported schemes, busy ports and empty handlers") {
    corio::options o;
    o.loops = 1;
    o.handle_signals = false;
    o.logger = corio::null_logger();
    corio::engine engine(o);
    auto h = [](corio::connection&) -> corio::task<> { co_return; };
    CHECK_THROWS_AS(engine.serve("nonsense", h), std::invalid_argument);
    CHECK_THROWS_WITH_AS(engine.serve("udp://127.0.0.1:0", h), doctest::Contains("udp://"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(engine.serve("tcp4://[::1]:0", h), doctest::Contains("IPv4"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(engine.serve("tcp://no-such-host.invalid:80", h),
                         doctest::Contains("cannot resolve"), std::invalid_argument);
    CHECK_THROWS_AS(engine.serve("tcp://127.0.0.1:0", corio::handler{}), std::invalid_argument);
    auto first = engine.serve("tcp://127.0.0.1:0", h);
    o.reuse_addr = false;
    corio::engine other(o);
    CHECK_THROWS_WITH_AS(other.serve("tcp://127.0.0.1:" + std::to_string(first.port), h),
                         doctest::Contains("cannot listen on"), std::system_error);
}
