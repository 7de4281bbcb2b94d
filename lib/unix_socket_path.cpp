// Unix-domain listen addresses; see unix_socket_path.hpp.
#include "unix_socket_path.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <system_error>
#include <unistd.h>

namespace corio::detail {

boost::asio::generic::stream_protocol::endpoint unix_endpoint(const address& a) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, a.path.data(), a.path.size());
    if (a.path.front() == '@') sun.sun_path[0] = '\0'; // abstract: no file, leading NUL
    std::size_t len =
        offsetof(sockaddr_un, sun_path) + a.path.size() + (a.path.front() == '@' ? 0 : 1);
    return {&sun, len, 0};
}

void clear_stale_socket(const address& a) {
    if (a.path.front() == '@') return;
    struct stat st {};
    if (::lstat(a.path.c_str(), &st) != 0) return; // nothing there
    if (!S_ISSOCK(st.st_mode))
        throw std::system_error(EEXIST, std::system_category(),
                                fmt::format("corio: cannot listen on '{}' ({} exists and is not "
                                            "a socket)",
                                            a.url, a.path));
    // A socket file: if something accepts on it, it is in use; if not, it is stale.
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    auto ep = unix_endpoint(a);
    int rc = ::connect(fd, ep.data(), static_cast<socklen_t>(ep.size()));
    int err = errno;
    ::close(fd);
    if (rc == 0 || err == EAGAIN)
        throw std::system_error(EADDRINUSE, std::system_category(),
                                fmt::format("corio: cannot listen on '{}' (a server is already "
                                            "listening there)",
                                            a.url));
    if (err == ECONNREFUSED) ::unlink(a.path.c_str());
}

} // namespace corio::detail
