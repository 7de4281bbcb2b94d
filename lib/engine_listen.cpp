// Listening: resolving a listen address, opening acceptors (SO_REUSEPORT per loop or one on
// the control thread), and serve() for stream and datagram addresses.
#include "endpoint_format.hpp"
#include "engine_state.hpp"
#include "unix_socket_path.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <stdexcept>
#include <system_error>

namespace corio {
using detail::listener;
using detail::phase;

generic_protocol::endpoint engine::state::resolve(const address& a) {
    namespace ip = asio::ip;
    bool want_v4 = a.scheme == scheme::tcp4, want_v6 = a.scheme == scheme::tcp6;
    if (a.host.empty()) {
        return ip::tcp::endpoint(want_v6 ? ip::tcp::v6() : ip::tcp::v4(), a.port);
    }
    boost::system::error_code ec;
    auto literal = ip::make_address(a.host, ec);
    if (!ec) {
        if ((want_v4 && !literal.is_v4()) || (want_v6 && !literal.is_v6()))
            throw std::invalid_argument(
                fmt::format("corio: bad address '{}': host {} is not an {} address", a.url, a.host,
                            want_v4 ? "IPv4" : "IPv6"));
        return ip::tcp::endpoint(literal, a.port);
    }
    asio::io_context resolver_context;
    ip::tcp::resolver resolver(resolver_context);
    auto results = resolver.resolve(want_v4   ? ip::tcp::v4()
                                    : want_v6 ? ip::tcp::v6()
                                              : ip::tcp::v4(),
                                    a.host, std::to_string(a.port), ec);
    if (ec && !want_v4 && !want_v6)
        results = resolver.resolve(ip::tcp::v6(), a.host, std::to_string(a.port), ec);
    if (ec || results.empty())
        throw std::invalid_argument(fmt::format("corio: bad address '{}': cannot resolve '{}': {}",
                                                a.url, a.host, ec.message()));
    return results.begin()->endpoint();
}

std::unique_ptr<acceptor_type> engine::state::open_acceptor(asio::io_context& ctx, const address& a,
                                                            const generic_protocol::endpoint& ep) {
    auto acc = std::make_unique<acceptor_type>(ctx);
    boost::system::error_code ec;
    auto fail = [&](std::string_view step) {
        throw std::system_error(ec.value(), std::system_category(),
                                fmt::format("corio: cannot listen on '{}' ({})", a.url, step));
    };
    acc->open(ep.protocol(), ec);
    if (ec) fail("socket");
    int fd = acc->native_handle();
    int one = 1;
    bool inet = ep.protocol().family() != AF_UNIX;
    if (inet && opts.reuse_addr) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (inet && opts.reuse_port &&
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        ec.assign(errno, boost::system::system_category());
        fail("SO_REUSEPORT");
    }
    if (ep.protocol().family() == AF_INET6) {
        int v6only = a.scheme == scheme::tcp6 ? 1 : 0;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    acc->bind(ep, ec);
    if (ec) fail("bind");
    acc->listen(opts.listen_backlog, ec);
    if (ec) fail("listen");
    acc->non_blocking(true, ec);
    return acc;
}

listener_info engine::serve(std::string_view url, handler h) {
    address a = parse_address(url);
    if (a.scheme == scheme::tls)
        throw std::invalid_argument(fmt::format(
            "corio: serve('{}'): tls:// needs certificates: use serve(url, handler, tls_options)",
            url));
    return serve_stream(a, std::move(h), nullptr);
}

listener_info engine::serve(std::string_view url, handler h, const tls_options& tls) {
    address a = parse_address(url);
    if (a.scheme != scheme::tls)
        throw std::invalid_argument(
            fmt::format("corio: serve('{}'): tls_options given for a {}:// address (use tls://)",
                        url, to_string(a.scheme)));
    return serve_stream(a, std::move(h), detail::make_server_tls(tls, url));
}

listener_info engine::serve_stream(const address& a, handler h,
                                   std::shared_ptr<detail::tls_config> tls) {
    std::string_view url = a.url;
    if (!h) throw std::invalid_argument(fmt::format("corio: serve('{}'): empty handler", url));
    auto& s = *state_;
    s.refuse_if_stopped("serve", url);
    const bool unix_socket = a.scheme == scheme::unix_stream;
    if (!a.is_stream())
        throw std::invalid_argument(
            fmt::format("corio: serve('{}'): {}:// is a datagram scheme: pass a "
                        "corio::datagram_handler (a coroutine taking datagram_socket&)",
                        url, to_string(a.scheme)));
    generic_protocol::endpoint ep;
    if (unix_socket) {
        detail::clear_stale_socket(a);
        ep = detail::unix_endpoint(a);
    } else {
        ep = s.resolve(a);
    }
    auto l = std::make_unique<listener>();
    l->addr = a;
    l->serve = std::make_shared<const handler>(std::move(h));
    l->tls = std::move(tls);
    // Unix sockets have no SO_REUSEPORT balancing: one acceptor, loops picked by the balancer.
    std::size_t count = s.opts.reuse_port && !unix_socket ? s.loops.size() : 1;
    for (std::size_t i = 0; i < count; ++i) {
        loop* owner = s.opts.reuse_port ? s.loop_list[i] : nullptr;
        auto& ctx = owner ? owner->context() : s.control;
        auto acc = s.open_acceptor(ctx, a, ep);
        if (i == 0) {
            auto bound = acc->local_endpoint();
            l->local = detail::format_endpoint(bound);
            if (unix_socket) {
                if (a.path.front() != '@') l->socket_file = a.path;
                l->local = a.path;
                l->acceptors.push_back({std::move(acc), owner});
                continue;
            }
            auto* sa = reinterpret_cast<const sockaddr_in*>(bound.data());
            l->port = ntohs(sa->sin_port); // sin_port and sin6_port share their offset
            // With port 0 the other reuse_port acceptors must join the port just chosen.
            if (a.port == 0) {
                auto* raw = reinterpret_cast<sockaddr_in*>(ep.data());
                raw->sin_port = htons(l->port);
            }
        }
        l->acceptors.push_back({std::move(acc), owner});
    }
    listener_info info{a.url, l->local, l->port};
    s.log(log_level::info, "listening on {} ({}, {} loop(s){})", a.url, l->local, s.loops.size(),
          s.opts.reuse_port ? ", reuse_port" : "");
    std::lock_guard lock(s.mutex);
    listener& ref = *l;
    s.listeners.push_back(std::move(l));
    if (s.current.load() == phase::running) s.start_accepting(ref);
    return info;
}

listener_info engine::serve(std::string_view url, datagram_handler h) {
    if (!h) throw std::invalid_argument(fmt::format("corio: serve('{}'): empty handler", url));
    auto& s = *state_;
    s.refuse_if_stopped("serve", url);
    std::vector<detail::multicast_join> joins;
    address a = parse_address(detail::split_datagram_query(url, joins));
    a.url = std::string(url);
    if (a.is_stream())
        throw std::invalid_argument(
            fmt::format("corio: serve('{}'): a datagram handler needs a udp://, udp4:// or "
                        "udp6:// address; {}:// is a stream scheme (pass a corio::handler)",
                        url, to_string(a.scheme)));
    // Name resolution and family checks are the stream ones, with the matching TCP scheme.
    address as_tcp = a;
    as_tcp.scheme = a.scheme == scheme::udp4   ? scheme::tcp4
                    : a.scheme == scheme::udp6 ? scheme::tcp6
                                               : scheme::tcp;
    auto resolved = s.resolve(as_tcp);
    udp_endpoint ep;
    std::memcpy(ep.data(), resolved.data(), resolved.size());
    ep.resize(resolved.size());
    auto d = std::make_unique<detail::datagram_listener>(a, ep, s.loop_list, s.opts, std::move(h),
                                                         joins, s.datagram_handlers);
    listener_info info{a.url, d->local(), d->port()};
    s.log(log_level::info, "serving datagrams on {} ({}, {} loop socket(s))", a.url, d->local(),
          s.loops.size());
    std::lock_guard lock(s.mutex);
    if (s.current.load() == phase::running) d->start();
    s.datagram_listeners.push_back(std::move(d));
    return info;
}

} // namespace corio
