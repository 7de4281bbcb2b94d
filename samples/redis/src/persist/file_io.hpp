// Writing whole buffers to files: the loop over short writes and EINTR that the snapshot
// writer, the append-only logs and the manifest share.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <unistd.h>

namespace corio_redis::persist {

/// Writes all of `bytes` to `fd`; false (errno says why) on an error. `written`, if given,
/// counts the bytes as they go (any thread may read it).
template <class Counter = std::nullptr_t>
bool write_fully(int fd, std::string_view bytes, Counter written = nullptr) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
        if constexpr (!std::is_same_v<Counter, std::nullptr_t>)
            written->fetch_add(static_cast<std::uint64_t>(n));
    }
    return true;
}

} // namespace corio_redis::persist
