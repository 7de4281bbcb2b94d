// Dialing: resolve, connect with a deadline on the chosen loop, then adopt the socket as a
// connection (and shake hands for tls://); see client.hpp.
#include <corio/address.hpp>
#include <corio/client.hpp>
#include <corio/engine.hpp>
#include <corio/go/context.hpp>

#include "endpoint_format.hpp"
#include "engine_access.hpp"
#include "error_convert.hpp"
#include "exact_system_error.hpp"
#include "socket_setup.hpp"
#include "tls_context.hpp"
#include "unix_socket_path.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace corio {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using generic_endpoint = asio::generic::stream_protocol::endpoint;

namespace {

[[noreturn]] void fail(std::error_code ec, const address& a, std::string_view what) {
    throw detail::exact_system_error(ec, fmt::format("corio: dial('{}'): {}", a.url, what));
}

// The addresses to try, in the resolver's order, filtered by the scheme's family.
task<std::vector<generic_endpoint>> endpoints_for(const address& a, asio::steady_timer& deadline,
                                                  std::chrono::milliseconds timeout,
                                                  const context& ctx) {
    namespace ip = asio::ip;
    std::vector<generic_endpoint> out;
    if (a.scheme == scheme::unix_stream) {
        out.push_back(detail::unix_endpoint(a));
        co_return out;
    }
    if (a.host.empty())
        fail(std::make_error_code(std::errc::invalid_argument), a, "no host to connect to");
    const bool v4_only = a.scheme == scheme::tcp4, v6_only = a.scheme == scheme::tcp6;
    boost::system::error_code ec;
    auto literal = ip::make_address(a.host, ec);
    if (!ec) {
        out.push_back(ip::tcp::endpoint(literal, a.port));
    } else {
        ip::tcp::resolver resolver(co_await asio::this_coro::executor);
        auto result = co_await (resolver.async_resolve(a.host, std::to_string(a.port),
                                                       asio::as_tuple(asio::use_awaitable)) ||
                                deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (result.index() == 1) {
            if (auto why = ctx.err())
                fail(why, a, fmt::format("resolving '{}': {}", a.host, why.message()));
            fail(errc::timed_out, a,
                 fmt::format("resolving '{}' timed out after {} ms", a.host, timeout.count()));
        }
        auto [rec, results] = std::get<0>(std::move(result));
        if (rec)
            fail(detail::to_std(rec), a,
                 fmt::format("cannot resolve '{}': {}", a.host, rec.message()));
        for (const auto& entry : results) out.push_back(entry.endpoint());
    }
    std::erase_if(out, [&](const generic_endpoint& ep) {
        int family = ep.protocol().family();
        return (v4_only && family != AF_INET) || (v6_only && family != AF_INET6);
    });
    if (out.empty())
        fail(std::make_error_code(std::errc::address_family_not_supported), a,
             fmt::format("'{}' has no {} address", a.host, v4_only ? "IPv4" : "IPv6"));
    co_return out;
}

// Runs on the target loop: connect, adopt, handshake.
task<std::shared_ptr<connection>> connect_on(engine& e, loop& l, address a, dial_options opts,
                                             std::shared_ptr<detail::tls_config> tls, context ctx) {
    if (auto why = ctx.err()) fail(why, a, why.message());
    auto deadline_timer = std::make_shared<asio::steady_timer>(l.get_executor());
    asio::steady_timer& deadline = *deadline_timer;
    deadline.expires_after(opts.connect_timeout);
    // A done context ends whichever wait runs (each races the deadline timer) by moving the
    // deadline to now, on this loop; the error then names the context's reason.
    detail::context_watch watch(ctx, [&l, t = deadline_timer] {
        l.post([t] { t->expires_at(asio::steady_timer::time_point::min()); });
    });
    auto eps = co_await endpoints_for(a, deadline, opts.connect_timeout, ctx);

    connection::socket_type sock(l.context());
    boost::system::error_code last;
    bool connected = false;
    for (const auto& ep : eps) {
        boost::system::error_code ec;
        if (sock.is_open()) sock.close(ec);
        sock.open(ep.protocol(), ec);
        if (ec) {
            last = ec;
            continue;
        }
        auto result = co_await (sock.async_connect(ep, asio::as_tuple(asio::use_awaitable)) ||
                                deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (result.index() == 1) {
            if (auto why = ctx.err())
                fail(why, a,
                     fmt::format("connecting to {}: {}", detail::format_endpoint(ep),
                                 why.message()));
            fail(errc::timed_out, a,
                 fmt::format("connecting to {} timed out after {} ms", detail::format_endpoint(ep),
                             opts.connect_timeout.count()));
        }
        std::tie(last) = std::get<0>(result);
        if (!last) {
            connected = true;
            break;
        }
    }
    if (!connected)
        fail(detail::to_std(last), a,
             fmt::format("cannot connect to {}: {}",
                         eps.empty() ? a.url : detail::format_endpoint(eps.back()),
                         last.message()));
    detail::apply_stream_options(sock.native_handle(), sock.local_endpoint().protocol().family(),
                                 e.get_options());
    auto conn = engine_access::adopt(e, l, std::move(sock));

    if (tls) {
        auto session = std::make_unique<detail::tls_session>(tls, engine_access::socket(*conn));
        detail::prepare_client_session(
            *session, opts.tls.server_name.empty() ? a.host : opts.tls.server_name);
        engine_access::set_tls(*conn, std::move(session));
        auto ec = co_await engine_access::tls_handshake(*conn, false, opts.tls.handshake_timeout);
        if (!ec && ctx.err()) ec = ctx.err();
        if (ec) {
            std::string why = detail::describe_tls_error(ec, engine_access::tls(*conn));
            engine_access::detach(l, *conn);
            engine_access::close_now(*conn);
            fail(ec, a, fmt::format("tls handshake failed: {}", why));
        }
    }
    co_return engine_access::dial_handle(e, l, std::move(conn));
}

} // namespace

task<std::shared_ptr<connection>> dial(engine& e, std::string url) {
    return dial(e, std::move(url), dial_options{});
}

task<std::shared_ptr<connection>> dial(engine& e, std::string url, dial_options opts) {
    return dial(e, std::move(url), std::move(opts), context());
}

task<std::shared_ptr<connection>> dial(engine& e, std::string url, context ctx) {
    return dial(e, std::move(url), dial_options{}, std::move(ctx));
}

task<std::shared_ptr<connection>> dial(engine& e, std::string url, dial_options opts, context ctx) {
    address a = parse_address(url);
    if (!a.is_stream())
        throw std::invalid_argument(fmt::format(
            "corio: dial('{}'): {}:// is not a stream scheme (use tcp://, unix:// or tls://)", url,
            to_string(a.scheme)));
    if (!e.running())
        throw std::logic_error(fmt::format("corio: dial('{}'): the engine is not running", url));
    std::shared_ptr<detail::tls_config> tls;
    if (a.scheme == scheme::tls) tls = detail::make_client_tls(opts.tls, url);
    loop& target = engine_access::reserve_loop(e, opts.on_current_loop);
    try {
        co_return co_await asio::co_spawn(
            target.get_executor(), connect_on(e, target, std::move(a), std::move(opts), tls, ctx),
            asio::use_awaitable);
    } catch (...) {
        engine_access::unreserve_loop(target);
        throw;
    }
}

} // namespace corio
