// UDP listeners; see datagram_listener.hpp.
#include "datagram_listener.hpp"
#include "exception_text.hpp"
#include "socket_setup.hpp"

#include <corio/loop.hpp>

#include <boost/asio/co_spawn.hpp>

#include <cerrno>
#include <fmt/format.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>

namespace corio::detail {
namespace asio = boost::asio;

std::string_view split_datagram_query(std::string_view url, std::vector<multicast_join>& joins) {
    auto mark = url.find('?');
    if (mark == std::string_view::npos) return url;
    std::string_view query = url.substr(mark + 1);
    std::string interface_address;
    std::size_t first = joins.size();
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        std::string_view value =
            eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        if (key == "join" && !value.empty()) {
            joins.push_back({std::string(value), {}});
        } else if (key == "interface" && !value.empty()) {
            interface_address = std::string(value);
        } else {
            throw std::invalid_argument(fmt::format(
                "corio: bad address '{}': unknown or empty query parameter '{}' (udp:// takes "
                "join=GROUP, repeatable, and interface=ADDRESS)",
                url, pair));
        }
    }
    for (std::size_t i = first; i < joins.size(); ++i)
        joins[i].interface_address = interface_address;
    return url.substr(0, mark);
}

datagram_listener::datagram_listener(const address& a, udp_endpoint ep,
                                     const std::vector<loop*>& loops, const options& opts,
                                     datagram_handler h, const std::vector<multicast_join>& joins,
                                     std::atomic<std::size_t>& live)
    : addr_(a), opts_(opts), handler_(std::make_shared<const datagram_handler>(std::move(h))),
      live_(live) {
    const datagram_limits limits{opts.max_datagram_size};
    const bool reuse_port = loops.size() > 1 || opts.reuse_port;
    for (loop* lp : loops) {
        auto sock = std::make_shared<datagram_socket>(*lp, limits);
        auto& s = sock->socket();
        boost::system::error_code ec;
        auto fail = [&](std::string_view step, int err) {
            throw std::system_error(err, std::system_category(),
                                    fmt::format("corio: cannot bind '{}' ({})", a.url, step));
        };
        s.open(ep.protocol(), ec);
        if (ec) fail("socket", ec.value());
        int fd = s.native_handle();
        int one = 1, zero = 0;
        if (reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
            fail("SO_REUSEPORT", errno);
        // Several receivers of one multicast group on a host share its port.
        if (!joins.empty()) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ep.protocol() == asio::ip::udp::v6()) {
            int v6only = a.scheme == scheme::udp6 ? 1 : 0;
            ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
        }
        // A socket gets only the groups it joined itself (Linux's default is every group any
        // socket on the host joined), so one loop's join means each datagram is handled once.
#ifdef IP_MULTICAST_ALL
        ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof zero);
#endif
#ifdef IPV6_MULTICAST_ALL
        if (ep.protocol() == asio::ip::udp::v6())
            ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &zero, sizeof zero);
#endif
        (void)zero;
        apply_buffer_sizes(fd, opts);
        s.bind(ep, ec);
        if (ec) fail("bind", ec.value());
        s.non_blocking(true, ec);
        if (sockets_.empty()) {
            auto bound = s.local_endpoint(ec);
            if (ec) fail("getsockname", ec.value());
            port_ = bound.port();
            local_ = sock->local_address();
            ep.port(port_); // with port 0, the other loops' sockets join the port just chosen
        }
        sockets_.push_back(std::move(sock));
    }
    for (const auto& j : joins) {
        std::error_code ec = sockets_.front()->join_multicast(j.group, j.interface_address);
        if (ec)
            throw std::system_error(
                ec, fmt::format("corio: cannot join multicast group {} on '{}'", j.group, a.url));
    }
}

void datagram_listener::start() {
    if (started_) return;
    started_ = true;
    for (const auto& sock : sockets_) {
        live_.fetch_add(1, std::memory_order_relaxed);
        // The completion runs on the socket's loop while the loops run, and the engine keeps
        // its listeners until the loops are joined, so `this` is alive there.
        asio::co_spawn(
            sock->get_executor(), (*handler_)(*sock), [this, sock](std::exception_ptr e) {
                if (e && opts_.logger)
                    opts_.logger(log_level::warn,
                                 fmt::format("datagram handler on {} (loop {}) threw: {}",
                                             addr_.url, sock->loop_index(),
                                             detail::exception_text(e)));
                sock->close();
                live_.fetch_sub(1, std::memory_order_relaxed);
            });
    }
}

void datagram_listener::begin_shutdown() {
    for (const auto& sock : sockets_) sock->owner().post([sock] { sock->begin_shutdown(); });
}

void datagram_listener::force_close() {
    for (const auto& sock : sockets_) sock->owner().post([sock] { sock->close(); });
}

} // namespace corio::detail
