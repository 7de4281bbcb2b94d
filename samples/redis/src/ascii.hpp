// ASCII case for command names, options and parameter names, which Redis takes in any case:
// one comparison and one lower-casing for every file that needs them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace corio_redis {

/// ASCII case-insensitive equality: command options ("EX", "nx") in any case.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/// `s` with its ASCII capitals in lower case (a command or parameter name as looked up).
inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

} // namespace corio_redis
