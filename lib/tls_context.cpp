// TLS contexts and sessions; see tls_context.hpp.
#include "tls_context.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdexcept>

namespace corio::detail {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

constexpr long common_options = ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                ssl::context::no_tlsv1_1 | ssl::context::single_dh_use;

std::string alpn_wire_format(const std::vector<std::string>& names, std::string_view url) {
    std::string wire;
    for (auto& n : names) {
        if (n.empty() || n.size() > 255)
            throw std::invalid_argument(fmt::format(
                "corio: tls options for '{}': ALPN name '{}' must be 1 to 255 bytes", url, n));
        wire.push_back(static_cast<char>(n.size()));
        wire += n;
    }
    return wire;
}

// Runs an Asio SSL context call, turning its error into one that names the file and URL.
template <class F>
void load(std::string_view url, std::string_view what, const std::string& file, F&& f) {
    boost::system::error_code ec;
    f(ec);
    if (ec)
        throw std::invalid_argument(fmt::format(
            "corio: tls options for '{}': cannot use {} '{}': {}", url, what, file, ec.message()));
}

void load_identity(tls_config& c, std::string_view url) {
    const auto& o = c.options;
    if (o.certificate_file.empty() != o.private_key_file.empty())
        throw std::invalid_argument(fmt::format(
            "corio: tls options for '{}': certificate_file and private_key_file go together", url));
    if (o.certificate_file.empty()) return;
    load(url, "certificate_file", o.certificate_file,
         [&](auto& ec) { c.context.use_certificate_chain_file(o.certificate_file, ec); });
    load(url, "private_key_file", o.private_key_file, [&](auto& ec) {
        c.context.use_private_key_file(o.private_key_file, ssl::context::pem, ec);
    });
    if (::SSL_CTX_check_private_key(c.context.native_handle()) != 1)
        throw std::invalid_argument(fmt::format(
            "corio: tls options for '{}': private_key_file '{}' does not match certificate_file "
            "'{}'",
            url, o.private_key_file, o.certificate_file));
}

// Server side ALPN: the first of our protocols that the client also offers.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void* arg) {
    auto* config = static_cast<const tls_config*>(arg);
    const auto& ours = config->alpn_wire;
    for (std::size_t i = 0; i < ours.size(); i += 1 + static_cast<unsigned char>(ours[i])) {
        auto len = static_cast<unsigned char>(ours[i]);
        for (unsigned int j = 0; j < in_len; j += 1 + in[j]) {
            if (in[j] == len && j + 1 + len <= in_len &&
                std::string_view(reinterpret_cast<const char*>(in + j + 1), len) ==
                    std::string_view(ours.data() + i + 1, len)) {
                *out = in + j + 1;
                *out_len = len;
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return SSL_TLSEXT_ERR_NOACK; // no overlap: go on without ALPN rather than fail
}

} // namespace

std::shared_ptr<tls_config> make_server_tls(const tls_options& opts, std::string_view url) {
    auto c = std::make_shared<tls_config>(ssl::context::tls_server);
    c->options = opts;
    c->context.set_options(common_options);
    if (opts.certificate_file.empty())
        throw std::invalid_argument(fmt::format(
            "corio: serve('{}'): a tls listener needs certificate_file and private_key_file", url));
    load_identity(*c, url);
    if (!opts.ca_file.empty() && opts.verify_peer) {
        load(url, "ca_file", opts.ca_file,
             [&](auto& ec) { c->context.load_verify_file(opts.ca_file, ec); });
        c->context.set_verify_mode(opts.require_peer_certificate
                                       ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                                       : ssl::verify_peer);
    }
    c->alpn_wire = alpn_wire_format(opts.alpn, url);
    if (!c->alpn_wire.empty())
        ::SSL_CTX_set_alpn_select_cb(c->context.native_handle(), select_alpn, c.get());
    return c;
}

std::shared_ptr<tls_config> make_client_tls(const tls_options& opts, std::string_view url) {
    auto c = std::make_shared<tls_config>(ssl::context::tls_client);
    c->options = opts;
    c->context.set_options(common_options);
    load_identity(*c, url);
    if (opts.verify_peer) {
        if (!opts.ca_file.empty())
            load(url, "ca_file", opts.ca_file,
                 [&](auto& ec) { c->context.load_verify_file(opts.ca_file, ec); });
        else
            c->context.set_default_verify_paths();
        c->context.set_verify_mode(ssl::verify_peer);
    } else {
        c->context.set_verify_mode(ssl::verify_none);
    }
    c->alpn_wire = alpn_wire_format(opts.alpn, url);
    if (!c->alpn_wire.empty() &&
        ::SSL_CTX_set_alpn_protos(c->context.native_handle(),
                                  reinterpret_cast<const unsigned char*>(c->alpn_wire.data()),
                                  static_cast<unsigned>(c->alpn_wire.size())) != 0)
        throw std::invalid_argument(
            fmt::format("corio: tls options for '{}': ALPN list rejected by OpenSSL", url));
    return c;
}

tls_session::tls_session(std::shared_ptr<tls_config> c, connection::socket_type& socket)
    : config(std::move(c)), stream(socket, config->context), progress(socket.get_executor()) {}

void prepare_client_session(tls_session& session, const std::string& server_name) {
    const auto& o = session.config->options;
    boost::system::error_code ec;
    asio::ip::make_address(server_name, ec);
    // SNI carries host names only, never IP literals (RFC 6066).
    if (ec && !server_name.empty())
        ::SSL_set_tlsext_host_name(session.stream.native_handle(), server_name.c_str());
    if (o.verify_peer && o.verify_hostname && !server_name.empty())
        session.stream.set_verify_callback(ssl::host_name_verification(server_name));
}

std::string describe_tls_error(const std::error_code& ec, tls_session* session) {
    std::string text = ec.message();
    if (session) {
        long verify = ::SSL_get_verify_result(session->stream.native_handle());
        if (verify != X509_V_OK)
            text += fmt::format(" (certificate: {})", ::X509_verify_cert_error_string(verify));
    }
    return text;
}

} // namespace corio::detail
