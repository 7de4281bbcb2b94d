// Listen and dial addresses as URLs: tcp://host:port, tcp4://, tcp6://[::1]:port, and (for the
// transports built on top) udp://, udp4://, udp6://, unix:///path, unix://@abstract, tls://.
#pragma once

#include <corio/config.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace corio {

enum class scheme { tcp, tcp4, tcp6, udp, udp4, udp6, unix_stream, tls };

struct address {
    std::string url{}; ///< as given
    corio::scheme scheme = scheme::tcp;
    std::string host{}; ///< without IPv6 brackets; empty means every interface
    std::uint16_t port = 0;
    std::string path{}; ///< unix sockets: the file path, or "@name" for an abstract name

    bool is_stream() const noexcept {
        return scheme != scheme::udp && scheme != scheme::udp4 && scheme != scheme::udp6;
    }
};

/// Parses a URL such as "tcp://127.0.0.1:9000" or "tcp6://[::1]:0". Throws
/// std::invalid_argument with a message naming the URL and what is wrong with it.
address parse_address(std::string_view url);

std::string_view to_string(scheme s) noexcept;

} // namespace corio
