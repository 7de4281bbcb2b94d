// Endpoint formatting; see endpoint_format.hpp.
#include "endpoint_format.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/un.h>

namespace corio::detail {

std::string format_endpoint(const boost::asio::generic::stream_protocol::endpoint& ep) {
    const sockaddr* sa = ep.data();
    char text[INET6_ADDRSTRLEN] = {};
    switch (sa->sa_family) {
    case AF_INET: {
        auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        return fmt::format("{}:{}", text, ntohs(in->sin_port));
    }
    case AF_INET6: {
        auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        return fmt::format("[{}]:{}", text, ntohs(in6->sin6_port));
    }
    case AF_UNIX: {
        auto* un = reinterpret_cast<const sockaddr_un*>(sa);
        std::size_t len = ep.size() > offsetof(sockaddr_un, sun_path)
                              ? ep.size() - offsetof(sockaddr_un, sun_path)
                              : 0;
        if (len == 0) return "unix:(unnamed)";
        if (un->sun_path[0] == '\0') {
            std::string name = "@";
            name.append(un->sun_path + 1, len - 1);
            return name;
        }
        return std::string(un->sun_path, strnlen(un->sun_path, len));
    }
    default:
        return {};
    }
}

} // namespace corio::detail
