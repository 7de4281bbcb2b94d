// Double formatting as Redis does it (addReplyDouble and ld2string's human mode).
#include "reply.hpp"

#include <cmath>
#include <cstdio>

namespace corio_redis::resp {

void reply::dbl(double d) {
    char buf[64];
    int n;
    if (std::isinf(d))
        n = std::snprintf(buf, sizeof buf, "%s", d > 0 ? "inf" : "-inf");
    else
        n = std::snprintf(buf, sizeof buf, "%.17g", d);
    std::string_view text(buf, static_cast<std::size_t>(n));
    if (protocol_ >= 3)
        line(',', text);
    else
        bulk(text);
}

std::string format_double(long double value) {
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buf[5 * 1024];
    int n = std::snprintf(buf, sizeof buf, "%.17Lf", value);
    if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf) return "0";
    std::string s(buf, static_cast<std::size_t>(n));
    if (s.find('.') != std::string::npos) {
        while (!s.empty() && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
    }
    if (s == "-0") s = "0";
    return s;
}

} // namespace corio_redis::resp
