// Asio's error codes as the std::error_code values corio reports: EOF (a clean TCP EOF, a TLS
// close_notify, or a TLS peer that just closed) is errc::eof; system errors keep their errno.
#pragma once

#include <corio/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/error_code.hpp>

#include <system_error>

namespace corio::detail {

inline std::error_code to_std(const boost::system::error_code& ec) {
    if (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated)
        return errc::eof;
    if (ec.category() == boost::system::system_category() ||
        ec.category() == boost::asio::error::get_system_category())
        return {ec.value(), std::system_category()};
    return ec; // boost::system::error_code converts to std::error_code
}

} // namespace corio::detail
