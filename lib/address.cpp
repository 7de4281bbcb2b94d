// URL parsing for listen and dial addresses.
#include <corio/address.hpp>

#include <arpa/inet.h>
#include <charconv>
#include <fmt/format.h>
#include <stdexcept>
#include <string>

namespace corio {
namespace {

[[noreturn]] void fail(std::string_view url, std::string_view why) {
    throw std::invalid_argument(fmt::format(
        "corio: bad address '{}': {} (expected e.g. tcp://127.0.0.1:9000, tcp6://[::1]:9000, "
        "unix:///tmp/app.sock)",
        url, why));
}

bool parse_scheme(std::string_view name, scheme& out) {
    struct entry {
        std::string_view name;
        scheme value;
    };
    static constexpr entry table[] = {{"tcp", scheme::tcp},          {"tcp4", scheme::tcp4},
                                      {"tcp6", scheme::tcp6},        {"udp", scheme::udp},
                                      {"udp4", scheme::udp4},        {"udp6", scheme::udp6},
                                      {"unix", scheme::unix_stream}, {"tls", scheme::tls}};
    for (const auto& e : table) {
        if (e.name == name) {
            out = e.value;
            return true;
        }
    }
    return false;
}

// Only digits and dots: meant as an IPv4 literal (no host name is all-numeric), so it must be
// one, rather than go to the resolver as a name.
bool looks_like_ipv4(std::string_view host) {
    return !host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos;
}

bool valid_ipv4(std::string_view host) {
    in_addr out{};
    return ::inet_pton(AF_INET, std::string(host).c_str(), &out) == 1;
}

bool valid_ipv6(std::string_view host) {
    in6_addr out{};
    std::string_view bare = host.substr(0, host.find('%')); // a %scope (interface) may follow
    return ::inet_pton(AF_INET6, std::string(bare).c_str(), &out) == 1;
}

} // namespace

std::string_view to_string(scheme s) noexcept {
    switch (s) {
    case scheme::tcp:
        return "tcp";
    case scheme::tcp4:
        return "tcp4";
    case scheme::tcp6:
        return "tcp6";
    case scheme::udp:
        return "udp";
    case scheme::udp4:
        return "udp4";
    case scheme::udp6:
        return "udp6";
    case scheme::unix_stream:
        return "unix";
    case scheme::tls:
        return "tls";
    }
    return "?";
}

address parse_address(std::string_view url) {
    address a;
    a.url = std::string(url);
    auto sep = url.find("://");
    if (sep == std::string_view::npos) fail(url, "missing scheme");
    if (!parse_scheme(url.substr(0, sep), a.scheme))
        fail(url, fmt::format("unknown scheme '{}'", url.substr(0, sep)));
    std::string_view rest = url.substr(sep + 3);

    if (a.scheme == scheme::unix_stream) {
        if (rest.empty()) fail(url, "missing socket path");
        if (rest.size() > 107) fail(url, "unix socket path longer than 107 bytes");
        a.path = std::string(rest);
        return a;
    }

    std::string_view host, port;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string_view::npos) fail(url, "unclosed '[' in IPv6 host");
        host = rest.substr(1, close - 1);
        if (!valid_ipv6(host)) fail(url, fmt::format("'{}' is not an IPv6 address", host));
        rest.remove_prefix(close + 1);
        if (rest.empty() || rest.front() != ':') fail(url, "missing ':port' after IPv6 host");
        port = rest.substr(1);
    } else {
        auto colon = rest.rfind(':');
        if (colon == std::string_view::npos) fail(url, "missing ':port'");
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (host.find(':') != std::string_view::npos)
            fail(url, "IPv6 hosts need brackets, as in [::1]:9000");
    }
    if (auto slash = port.find('/'); slash != std::string_view::npos) port = port.substr(0, slash);
    if (port.empty()) fail(url, "missing port number");
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value > 65535)
        fail(url, fmt::format("bad port '{}'", port));
    if (looks_like_ipv4(host) && !valid_ipv4(host))
        fail(url, fmt::format("'{}' is not an IPv4 address (four numbers 0-255)", host));
    a.port = static_cast<std::uint16_t>(value);
    a.host = host == "*" ? std::string() : std::string(host);
    return a;
}

} // namespace corio
