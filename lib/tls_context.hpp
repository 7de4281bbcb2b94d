// TLS pieces behind tls:// listeners and dials: an OpenSSL context made from tls_options (kept
// by the listener or dial and shared by its connections), and one connection's TLS session.
#pragma once

#include <corio/connection.hpp>
#include <corio/tls.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace corio::detail {

struct tls_config {
    boost::asio::ssl::context context;
    tls_options options;
    std::string alpn_wire; // ALPN list in wire format: length-prefixed names

    explicit tls_config(boost::asio::ssl::context::method m) : context(m) {}
};

/// A listener's context: certificate and key are required; a ca_file with verify_peer asks
/// for and requires client certificates. Throws std::invalid_argument naming `url` and the
/// file that cannot be used.
std::shared_ptr<tls_config> make_server_tls(const tls_options& opts, std::string_view url);

/// A dial's context: the system trust store or ca_file; a client certificate if given.
std::shared_ptr<tls_config> make_client_tls(const tls_options& opts, std::string_view url);

/// One connection's TLS state. The SSL stream wraps the connection's own socket.
struct tls_session {
    std::shared_ptr<tls_config> config;
    boost::asio::ssl::stream<connection::socket_type&> stream;
    boost::asio::cancellation_signal read_cancel; // wakes a read without touching writes
    boost::asio::steady_timer progress;           // the writer cancels it after each chunk
    // Plaintext handed to SSL, copied out of the outbound buffer: SSL may retry a write with
    // the same pointer, and the outbound buffer may move while the write is in flight.
    static constexpr std::size_t staging_size = 16384; // one TLS record
    std::unique_ptr<char[]> staging;
    bool writing = false;
    bool established = false; // the handshake finished

    tls_session(std::shared_ptr<tls_config> c, connection::socket_type& socket);
};

/// Client side: SNI and, if asked, the certificate's name check for `server_name`.
void prepare_client_session(tls_session& session, const std::string& server_name);

/// "wrong version number", "certificate verify failed: ..." and so on, for log lines.
std::string describe_tls_error(const std::error_code& ec, tls_session* session);

} // namespace corio::detail
