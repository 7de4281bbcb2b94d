// Helpers shared by the buffer tests: recognisable byte patterns and ways to read a buffer's
// contents back (copy_out, iovec export) for comparison with a model.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <sys/uio.h>

namespace buffer_test {

// n bytes where neighbours differ, so a misplaced or lost byte shows.
inline std::string pattern(std::size_t n, unsigned salt = 0) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('!' + (i * 7 + salt) % 90);
    return s;
}

// The data as copy_out() sees it (asking for one byte more than there is).
template <class Buffer>
std::string copied(const Buffer& b) {
    std::string s(b.size() + 1, '\0');
    REQUIRE(b.copy_out(s.data(), s.size()) == b.size());
    s.resize(b.size());
    return s;
}

// The bytes an iovec array points at, in order.
inline std::string gathered(const iovec* iov, int count) {
    std::string s;
    for (int i = 0; i < count; ++i)
        s.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    return s;
}

} // namespace buffer_test
