// Unix-domain listen addresses: unix:///path and, on Linux, abstract names (unix://@name).
#pragma once

#include <corio/address.hpp>

#include <boost/asio/generic/stream_protocol.hpp>

namespace corio::detail {

/// The endpoint for a unix:// address ("@name" becomes an abstract name).
boost::asio::generic::stream_protocol::endpoint unix_endpoint(const address& a);

/// Makes a path free to bind: removes a socket file nobody listens on (a previous run that
/// died without cleaning up); throws std::system_error if a server still listens there or
/// the path exists and is not a socket. Abstract names need nothing.
void clear_stale_socket(const address& a);

} // namespace corio::detail
