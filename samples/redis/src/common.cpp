// Replies and argument parsing every command family shares, with Redis's texts.
#include "command.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace corio_redis {

void reply_wrong_type(resp::reply& out) {
    out.error("WRONGTYPE Operation against a key holding the wrong kind of value");
}
void reply_not_integer(resp::reply& out) {
    out.error("ERR value is not an integer or out of range");
}
void reply_syntax_error(resp::reply& out) {
    out.error("ERR syntax error");
}
void reply_wrong_arity(resp::reply& out, std::string_view name) {
    out.error("ERR wrong number of arguments for '" + std::string(name) + "' command");
}

bool parse_integer(std::string_view s, long long& out) noexcept {
    if (s.empty() || s.size() > 20) return false;
    std::size_t i = 0;
    bool negative = false;
    if (s[0] == '-') {
        negative = true;
        if (s.size() == 1) return false;
        i = 1;
    }
    if (s[i] == '0') {
        if (s.size() != 1) return false;
        out = 0;
        return true;
    }
    unsigned long long v = 0;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned d = static_cast<unsigned>(s[i] - '0');
        if (v > (~0ull - d) / 10) return false;
        v = v * 10 + d;
    }
    if (negative) {
        if (v > (1ull << 63)) return false;
        out = static_cast<long long>(0 - v);
    } else {
        if (v > (1ull << 63) - 1) return false;
        out = static_cast<long long>(v);
    }
    return true;
}

bool parse_long_double(std::string_view s, long double& out) noexcept {
    // As Redis's string2ld: no leading space, the whole text, not NaN.
    if (s.empty() || s.size() >= 5120 || std::isspace(static_cast<unsigned char>(s[0])))
        return false;
    std::string text(s);
    char* end = nullptr;
    errno = 0;
    long double v = std::strtold(text.c_str(), &end);
    if (end != text.c_str() + text.size() || std::isnan(v)) return false;
    if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) return false;
    out = v;
    return true;
}

} // namespace corio_redis
