// Redis's glob matching (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE, ACL patterns): * ? [...]
// and \ escapes; see config.hpp.
#include "config.hpp"

#include <cctype>
#include <string_view>
#include <utility>

namespace corio_redis {

namespace {

// Whether the pattern element at p[at] (a literal, an escape, '?' or a [class]) matches c;
// `length` is set to the element's length in the pattern.
bool element_matches(std::string_view p, std::size_t at, char c, bool nocase, std::size_t& length) {
    auto fold = [nocase](char ch) {
        return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(ch))) : ch;
    };
    if (p[at] == '?') {
        length = 1;
        return true;
    }
    if (p[at] == '\\' && at + 1 < p.size()) {
        length = 2;
        return fold(p[at + 1]) == fold(c);
    }
    if (p[at] != '[') {
        length = 1;
        return fold(p[at]) == fold(c);
    }
    // A class: [abc], [^abc], [a-z], \ escapes; it ends at ']' or with the pattern.
    std::size_t i = at + 1;
    const bool negate = i < p.size() && p[i] == '^';
    if (negate) ++i;
    bool match = false;
    while (i < p.size() && p[i] != ']') {
        if (p[i] == '\\' && i + 1 < p.size()) {
            ++i;
            if (fold(p[i]) == fold(c)) match = true;
        } else if (i + 2 < p.size() && p[i + 1] == '-') {
            char lo = fold(p[i]), hi = fold(p[i + 2]);
            if (lo > hi) std::swap(lo, hi);
            if (fold(c) >= lo && fold(c) <= hi) match = true;
            i += 2;
        } else if (fold(p[i]) == fold(c)) {
            match = true;
        }
        ++i;
    }
    length = (i < p.size() ? i + 1 : i) - at;
    return match != negate;
}

} // namespace

// One point to go back to, the last '*': a mismatch after it lets that star take one more
// character. A later star makes the choices of earlier ones irrelevant, so this is
// O(pattern x text); trying every split at every star was exponential in the stars (Redis's
// CVE-2022-36021, a KEYS pattern that stalls the server).
bool glob_match(std::string_view p, std::string_view s, bool nocase) {
    constexpr std::size_t none = std::string_view::npos;
    std::size_t pi = 0, si = 0, star_p = none, star_s = 0;
    while (si < s.size() || pi < p.size()) {
        if (pi < p.size() && p[pi] == '*') {
            while (pi < p.size() && p[pi] == '*') ++pi;
            if (pi == p.size()) return true;
            star_p = pi;
            star_s = si;
            continue;
        }
        std::size_t length = 0;
        if (pi < p.size() && si < s.size() && element_matches(p, pi, s[si], nocase, length)) {
            pi += length;
            ++si;
            continue;
        }
        if (star_p == none || star_s >= s.size()) return false;
        pi = star_p;
        si = ++star_s;
    }
    return true;
}

} // namespace corio_redis
