// Dialing out: an outbound tcp://, unix:// or tls:// connection placed on one of the engine's
// loops and returned as the same connection type handlers get, e.g.
//     auto up = co_await corio::dial(engine, "tcp://example.com:80");
#pragma once

#include <corio/config.hpp>

#include <corio/connection.hpp>
#include <corio/go/context.hpp>
#include <corio/task.hpp>
#include <corio/tls.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace corio {

class engine;

struct dial_options {
    /// Resolving the name and connecting must finish within this (errc::timed_out).
    std::chrono::milliseconds connect_timeout{10000};
    /// For tls:// URLs: trust store, client certificate, SNI name, ALPN. By default the
    /// server's certificate is verified against the system store and the URL's host name.
    tls_options tls{};
    /// Called from a handler: put the new connection on the caller's loop instead of the
    /// balancer's pick, so the handler uses both without hopping between loops (a proxy).
    bool on_current_loop = false;
};

/// Connects to `url` (tcp://, tcp4://, tcp6://, unix:// or tls://; names resolved with Asio's
/// resolver, each address tried in turn) on the loop the engine's balancer picks, and
/// returns the connection. Throws std::system_error naming the URL when resolving,
/// connecting or the TLS handshake fails (a refused certificate or host name included) or
/// times out, std::invalid_argument for a bad URL, std::logic_error if the engine is not
/// running. The engine must be running.
///
/// The connection is usable from any coroutine (calls from another loop hop to its loop).
/// When the last copy of the returned pointer goes, the connection is flushed (up to
/// close_timeout) and closed on its loop, like a served one after its handler; the engine's
/// graceful stop wakes its reads with errc::shutting_down. Drop it before the engine is
/// destroyed.
task<std::shared_ptr<connection>> dial(engine& e, std::string url, dial_options opts);
/// dial() with default options. (An overload rather than a default argument: g++ 12
/// corrupts a coroutine parameter that comes from a default argument.)
task<std::shared_ptr<connection>> dial(engine& e, std::string url);
/// dial() that gives up once `ctx` is done (Go's DialContext): it throws std::system_error
/// with ctx.err() (errc::canceled or errc::deadline_exceeded) at once if the context is done
/// during the name lookup or the connect; a TLS handshake under way ends first (bounded by
/// its own timeout), then the dial fails with the context's error. The context may be
/// canceled from any thread.
task<std::shared_ptr<connection>> dial(engine& e, std::string url, context ctx);
task<std::shared_ptr<connection>> dial(engine& e, std::string url, dial_options opts, context ctx);

} // namespace corio
