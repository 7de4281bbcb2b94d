// Formats generic endpoints as "1.2.3.4:5", "[::1]:5" or a unix path, for logs and accessors.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>

#include <string>

namespace corio::detail {

std::string format_endpoint(const boost::asio::generic::stream_protocol::endpoint& ep);

} // namespace corio::detail
