// Datagram sockets: recvfrom/sendto on the native handle, tried first and waited for (edge
// triggered readiness) only on EAGAIN; one reused receive buffer per socket.
#include <corio/address.hpp>
#include <corio/datagram.hpp>
#include <corio/loop.hpp>

#include "error_convert.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fmt/format.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>

namespace corio {
namespace asio = boost::asio;
using detail::to_std;

namespace {

// Datagrams received back to back without suspending before receive() yields to the loop
// once, so a flood on one socket cannot starve the loop's other work (or its stop).
constexpr unsigned receive_budget = 64;

// Errors an unconnected UDP socket reports for an earlier send (ICMP port or host unreachable,
// fragmentation needed), when IP_RECVERR asks for them.
bool is_icmp_error(int err) noexcept {
    switch (err) {
    case ECONNREFUSED:
    case ECONNRESET:
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENETUNREACH:
    case ENETDOWN:
    case EMSGSIZE:
    case EPROTO:
        return true;
    default:
        return false;
    }
}

// ICMP errors and momentary memory pressure: none is the end of a receiving socket.
bool is_transient_receive_error(int err) noexcept {
    if (is_icmp_error(err)) return true;
    switch (err) {
    case ENOMEM:
    case ENOBUFS:
    case EINTR:
        return true;
    default:
        return false;
    }
}

std::string format_udp_endpoint(const udp_endpoint& ep) {
    auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    if (addr.is_v4()) return fmt::format("{}:{}", addr.to_string(), ep.port());
    return fmt::format("[{}]:{}", addr.to_string(), ep.port());
}

} // namespace

udp_endpoint parse_udp_endpoint(std::string_view url) {
    address a = parse_address(url);
    auto fail = [&](std::string_view why) {
        throw std::invalid_argument(fmt::format("corio: bad UDP address '{}': {}", url, why));
    };
    if (a.is_stream()) fail("not a udp://, udp4:// or udp6:// address");
    if (a.host.empty()) fail("missing host");
    boost::system::error_code ec;
    auto host = asio::ip::make_address(a.host, ec);
    if (ec) fail("the host must be an IP address (no name lookup here)");
    if ((a.scheme == scheme::udp4 && !host.is_v4()) || (a.scheme == scheme::udp6 && !host.is_v6()))
        fail(fmt::format("host {} is not an {} address", a.host,
                         a.scheme == scheme::udp4 ? "IPv4" : "IPv6"));
    return {host, a.port};
}

std::string datagram::sender_address() const {
    if (error_) return {};
    return format_udp_endpoint(sender_);
}

datagram_socket::datagram_socket(corio::loop& owner, const datagram_limits& limits)
    : loop_(owner), socket_(owner.get_executor()), limits_(limits),
      buffer_(std::make_unique<char[]>(limits.max_datagram_size + 1)) {}

datagram_socket::~datagram_socket() {
    close();
}

datagram_socket::executor_type datagram_socket::get_executor() noexcept {
    return loop_.get_executor();
}

std::size_t datagram_socket::loop_index() const noexcept {
    return loop_.index();
}

udp_endpoint datagram_socket::local_endpoint() const {
    boost::system::error_code ec;
    auto ep = socket_.local_endpoint(ec);
    return ec ? udp_endpoint() : ep;
}

std::string datagram_socket::local_address() const {
    boost::system::error_code ec;
    auto ep = socket_.local_endpoint(ec);
    return ec ? std::string() : format_udp_endpoint(ep);
}

task<datagram> datagram_socket::receive() {
    for (;;) {
        if (closed_ || shutting_down_ || !socket_.is_open()) {
            // A handler that ignores the result and calls again must still let the loop run
            // (the engine's forced close is a post to this loop), so ending always yields.
            std::error_code why = shutting_down_ && !closed_ && socket_.is_open()
                                      ? std::error_code(errc::shutting_down)
                                      : std::error_code(errc::closed);
            co_await asio::post(socket_.get_executor(), asio::use_awaitable);
            co_return datagram(why);
        }
        if (streak_ >= receive_budget) {
            streak_ = 0;
            co_await asio::post(socket_.get_executor(), asio::use_awaitable);
            continue;
        }
        // The buffer has one byte more than the limit and MSG_TRUNC makes recvfrom return the
        // real length, so an oversized datagram is seen either way and dropped whole.
        socklen_t sender_len = static_cast<socklen_t>(sender_.capacity());
        ssize_t n =
            ::recvfrom(socket_.native_handle(), buffer_.get(), limits_.max_datagram_size + 1,
                       MSG_TRUNC | MSG_DONTWAIT, sender_.data(), &sender_len);
        if (n >= 0) {
            ++streak_;
            if (static_cast<std::size_t>(n) > limits_.max_datagram_size) {
                bump(dropped_oversized_);
                continue;
            }
            sender_.resize(sender_len);
            bump(received_);
            co_return datagram(std::string_view(buffer_.get(), static_cast<std::size_t>(n)),
                               sender_);
        }
        int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK) {
            streak_ = 0;
            // Readiness is edge-triggered: waiting is right only after recvfrom saw EAGAIN.
            auto [ec] = co_await socket_.async_wait(socket_type::wait_read,
                                                    asio::as_tuple(asio::use_awaitable));
            // Aborted by begin_shutdown or close: the checks at the top say which.
            if (ec && ec != asio::error::operation_aborted && !closed_)
                co_return datagram(to_std(ec));
            continue;
        }
        if (is_transient_receive_error(err)) {
            ++streak_;
            continue;
        }
        co_return datagram(std::error_code(err, std::system_category()));
    }
}

std::error_code datagram_socket::try_send_to(std::string_view payload,
                                             const udp_endpoint& to) noexcept {
    if (closed_ || !socket_.is_open()) return errc::closed;
    bool retried = false;
    for (;;) {
        ssize_t n =
            ::sendto(socket_.native_handle(), payload.data(), payload.size(),
                     MSG_DONTWAIT | MSG_NOSIGNAL, to.data(), static_cast<socklen_t>(to.size()));
        if (n >= 0) {
            bump(sent_);
            return {};
        }
        int err = errno;
        if (err == EINTR) continue;
        // A pending ICMP error (with IP_RECVERR) is reported by whichever call comes next,
        // this send included, and cleared by it: it was an earlier datagram's, so try once
        // more. A real error for this destination comes back again.
        if (!retried && is_icmp_error(err)) {
            retried = true;
            continue;
        }
        if (err == EAGAIN || err == EWOULDBLOCK)
            return std::make_error_code(std::errc::operation_would_block);
        return {err, std::system_category()};
    }
}

task<std::error_code> datagram_socket::send_to(std::string_view payload, const udp_endpoint& to) {
    for (;;) {
        std::error_code ec = try_send_to(payload, to);
        if (ec != std::errc::operation_would_block) co_return ec;
        auto [wait_ec] = co_await socket_.async_wait(socket_type::wait_write,
                                                     asio::as_tuple(asio::use_awaitable));
        // begin_shutdown's cancel() aborts this wait too, but sends go on while shutting
        // down: try again (a close is caught by try_send_to).
        if (wait_ec && wait_ec != asio::error::operation_aborted) co_return to_std(wait_ec);
    }
}

task<std::error_code> datagram_socket::send_to(std::string_view payload, std::string_view url) {
    udp_endpoint to;
    try {
        to = parse_udp_endpoint(url);
    } catch (const std::invalid_argument&) {
        co_return std::make_error_code(std::errc::invalid_argument);
    }
    co_return co_await send_to(payload, to);
}

std::error_code datagram_socket::join_multicast(std::string_view group,
                                                std::string_view interface_address) {
    return change_membership(true, group, interface_address);
}

std::error_code datagram_socket::leave_multicast(std::string_view group,
                                                 std::string_view interface_address) {
    return change_membership(false, group, interface_address);
}

std::error_code datagram_socket::change_membership(bool join, std::string_view group,
                                                   std::string_view interface_address) {
    if (closed_ || !socket_.is_open()) return errc::closed;
    boost::system::error_code ec;
    auto g = asio::ip::make_address(group, ec);
    if (ec || !g.is_multicast()) return std::make_error_code(std::errc::invalid_argument);
    if (g.is_v4()) {
        // Raw ip_mreq at the IPv4 level: unlike Asio's option (whose level follows the socket's
        // family) it also works for IPv4 groups on a dual-stack IPv6 socket.
        ip_mreq request{};
        auto bytes = g.to_v4().to_bytes();
        std::memcpy(&request.imr_multiaddr, bytes.data(), bytes.size());
        request.imr_interface.s_addr = htonl(INADDR_ANY);
        if (!interface_address.empty()) {
            auto local = asio::ip::make_address_v4(interface_address, ec);
            if (ec) return std::make_error_code(std::errc::invalid_argument);
            auto local_bytes = local.to_bytes();
            std::memcpy(&request.imr_interface, local_bytes.data(), local_bytes.size());
        }
        if (::setsockopt(socket_.native_handle(), IPPROTO_IP,
                         join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &request,
                         sizeof request) != 0)
            return {errno, std::system_category()};
        return {};
    }
    unsigned long index = 0;
    if (!interface_address.empty()) {
        auto [end, parse_ec] = std::from_chars(
            interface_address.data(), interface_address.data() + interface_address.size(), index);
        if (parse_ec != std::errc{} || end != interface_address.data() + interface_address.size()) {
            index = ::if_nametoindex(std::string(interface_address).c_str());
            if (index == 0) return std::make_error_code(std::errc::no_such_device);
        }
    }
    if (join)
        socket_.set_option(asio::ip::multicast::join_group(g.to_v6(), index), ec);
    else
        socket_.set_option(asio::ip::multicast::leave_group(g.to_v6(), index), ec);
    return to_std(ec);
}

void datagram_socket::close() noexcept {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored); // aborts a waiting receive() or send_to()
}

void datagram_socket::begin_shutdown() noexcept {
    if (shutting_down_) return;
    shutting_down_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored); // wakes a waiting receive(); a waiting send_to() tries again
}

} // namespace corio
