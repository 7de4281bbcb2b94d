// TLS settings for tls:// listeners and dials. TLS runs on OpenSSL through Boost.Asio SSL;
// reads and writes of a TLS connection use the same elastic buffers, backpressure and
// connection API as plain TCP.
#pragma once

#include <corio/config.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace corio {

/// What a TLS listener or dial needs. Files are PEM.
struct tls_options {
    /// This side's certificate chain and private key. Required to serve; on a dial, a client
    /// certificate for servers that ask for one (optional).
    std::string certificate_file{};
    std::string private_key_file{};
    /// Certificates to verify the peer against. Empty on a dial: the system's default trust
    /// store. Empty on a listener: client certificates are not requested.
    std::string ca_file{};
    /// Verify the peer's certificate. A dial verifies by default; a listener with this set
    /// (and a ca_file) requires a valid client certificate and refuses connections without.
    bool verify_peer = true;
    /// Listener only, with verify_peer and a ca_file: false lets a client without a
    /// certificate in (one that sends a certificate must still send a valid one).
    bool require_peer_certificate = true;
    /// Dial only: the name sent as SNI and checked against the server's certificate (its
    /// subjectAltName). Empty: the host of the dialed URL. A mismatch fails the dial.
    std::string server_name{};
    /// Dial only: check the certificate names server_name (on when verify_peer is).
    bool verify_hostname = true;
    /// ALPN protocols in order of preference ("h2", "http/1.1", "redis"...). A listener picks
    /// its first that the client offers; the choice is connection::alpn_protocol().
    std::vector<std::string> alpn{};
    /// The handshake must finish within this, or the connection is closed.
    std::chrono::milliseconds handshake_timeout{10000};
};

} // namespace corio
