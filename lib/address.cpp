// URL parsing for listen and dial addresses.
#include <corio/address.hpp>

#include <charconv>
#include <fmt/format.h>
#include <stdexcept>

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
    a.port = static_cast<std::uint16_t>(value);
    a.host = host == "*" ? std::string() : std::string(host);
    return a;
}

} // namespace corio
