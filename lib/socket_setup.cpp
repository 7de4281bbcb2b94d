// Socket options for stream sockets; see socket_setup.hpp.
#include "socket_setup.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace corio::detail {

void apply_stream_options(int fd, int family, const options& opts) noexcept {
    bool tcp = family == AF_INET || family == AF_INET6;
    int one = 1;
    if (tcp && opts.tcp_nodelay) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (tcp && opts.tcp_keepalive.count() > 0) {
        int idle = static_cast<int>(opts.tcp_keepalive.count());
        ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof idle);
    }
    apply_buffer_sizes(fd, opts);
}

void apply_buffer_sizes(int fd, const options& opts) noexcept {
    if (opts.socket_recv_buffer > 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opts.socket_recv_buffer,
                     sizeof opts.socket_recv_buffer);
    if (opts.socket_send_buffer > 0)
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &opts.socket_send_buffer,
                     sizeof opts.socket_send_buffer);
}

} // namespace corio::detail
