// Request parsing, following Redis's own rules and error texts: a multibulk count or bulk
// length must be a plain decimal (no '+', no leading zeros) ending in CRLF; a count <= 0 is
// no command; inline requests split like redis-cli quoting.
#include "request_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace corio_redis::resp {
namespace {

// Redis's string2ll: optional '-', then digits with no leading zero (except "0" itself).
bool parse_decimal(std::string_view s, long long& out) {
    if (s.empty() || s.size() > 20) return false;
    bool negative = false;
    std::size_t i = 0;
    if (s[0] == '-') {
        negative = true;
        i = 1;
        if (s.size() == 1) return false;
    }
    if (s[i] == '0') {
        if (s.size() != 1) return false;
        out = 0;
        return true;
    }
    unsigned long long value = 0;
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (c < '0' || c > '9') return false;
        unsigned digit = static_cast<unsigned>(c - '0');
        if (value > (std::numeric_limits<unsigned long long>::max() - digit) / 10) return false;
        value = value * 10 + digit;
    }
    if (negative) {
        if (value > static_cast<unsigned long long>(std::numeric_limits<long long>::max()) + 1)
            return false;
        out = static_cast<long long>(0 - value);
    } else {
        if (value > static_cast<unsigned long long>(std::numeric_limits<long long>::max()))
            return false;
        out = static_cast<long long>(value);
    }
    return true;
}

parse_result fail(std::string text) {
    parse_result r;
    r.status = parse_status::error;
    r.error = "ERR Protocol error: " + std::move(text);
    return r;
}

parse_result need(std::size_t n) {
    parse_result r;
    r.status = parse_status::incomplete;
    r.needed = n;
    return r;
}

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// redis-cli style splitting (sdssplitargs). Words without quotes or escapes stay views into
// `line`; the others are unescaped into scratch. False on unbalanced quotes.
bool split_inline(std::string_view line, std::vector<std::string_view>& args,
                  std::deque<std::string>& owned) {
    std::size_t i = 0;
    const std::size_t n = line.size();
    for (;;) {
        while (i < n && is_space(line[i])) ++i;
        if (i >= n) return true;
        // Fast path: a plain word.
        std::size_t start = i;
        while (i < n && !is_space(line[i]) && line[i] != '"' && line[i] != '\'') ++i;
        if (i >= n || is_space(line[i])) {
            args.push_back(line.substr(start, i - start));
            continue;
        }
        // Quotes somewhere in this word: build it in scratch.
        std::string& scratch = owned.emplace_back(line.substr(start, i - start));
        bool in_double = false, in_single = false, done = false;
        while (!done) {
            if (in_double) {
                if (i >= n) return false;
                char c = line[i];
                if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && hex_value(line[i + 2]) >= 0 &&
                    hex_value(line[i + 3]) >= 0) {
                    scratch.push_back(
                        static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
                    i += 4;
                } else if (c == '\\' && i + 1 < n) {
                    char e = line[i + 1];
                    switch (e) {
                    case 'n':
                        scratch.push_back('\n');
                        break;
                    case 'r':
                        scratch.push_back('\r');
                        break;
                    case 't':
                        scratch.push_back('\t');
                        break;
                    case 'b':
                        scratch.push_back('\b');
                        break;
                    case 'a':
                        scratch.push_back('\a');
                        break;
                    default:
                        scratch.push_back(e);
                        break;
                    }
                    i += 2;
                } else if (c == '"') {
                    // The closing quote must end the word.
                    if (i + 1 < n && !is_space(line[i + 1])) return false;
                    ++i;
                    done = true;
                } else {
                    scratch.push_back(c);
                    ++i;
                }
            } else if (in_single) {
                if (i >= n) return false;
                char c = line[i];
                if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
                    scratch.push_back('\'');
                    i += 2;
                } else if (c == '\'') {
                    if (i + 1 < n && !is_space(line[i + 1])) return false;
                    ++i;
                    done = true;
                } else {
                    scratch.push_back(c);
                    ++i;
                }
            } else {
                if (i >= n || is_space(line[i])) {
                    done = true;
                    continue;
                }
                char c = line[i];
                if (c == '"') {
                    in_double = true;
                } else if (c == '\'') {
                    in_single = true;
                } else {
                    scratch.push_back(c);
                }
                ++i;
            }
        }
        args.push_back(scratch);
    }
}

parse_result parse_inline(std::string_view data, const parser_limits& limits,
                          std::vector<std::string_view>& args, std::deque<std::string>& owned) {
    auto nl = data.find('\n');
    if (nl == std::string_view::npos) {
        if (data.size() > limits.max_inline_len) return fail("too big inline request");
        return need(data.size() + 1);
    }
    std::string_view line = data.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    parse_result r;
    r.consumed = nl + 1;
    const std::size_t before = args.size();
    if (!split_inline(line, args, owned)) return fail("unbalanced quotes in request");
    r.status = args.size() == before ? parse_status::empty : parse_status::complete;
    return r;
}

} // namespace

parse_result parse_request(std::string_view data, const parser_limits& limits,
                           std::vector<std::string_view>& args, std::deque<std::string>& owned) {
    if (data.empty()) return need(1);
    if (data[0] != '*') return parse_inline(data, limits, args, owned);

    auto cr = data.find('\r');
    if (cr == std::string_view::npos) {
        if (data.size() > limits.max_inline_len) return fail("too big mbulk count string");
        return need(data.size() + 1);
    }
    if (cr + 1 >= data.size()) return need(cr + 2);
    long long count = 0;
    if (!parse_decimal(data.substr(1, cr - 1), count) || count > std::numeric_limits<int>::max())
        return fail("invalid multibulk length");
    if (count > 10 && !limits.authenticated) return fail("unauthenticated multibulk length");
    std::size_t pos = cr + 2;
    if (count <= 0) {
        parse_result r;
        r.status = parse_status::empty;
        r.consumed = pos;
        return r;
    }
    // A count is only a claim until the bulks arrive: reserve modestly.
    args.reserve(args.size() + std::min<std::size_t>(static_cast<std::size_t>(count), 1024));
    for (long long i = 0; i < count; ++i) {
        std::string_view rest = data.substr(pos);
        auto bcr = rest.find('\r');
        if (bcr == std::string_view::npos) {
            if (rest.size() > limits.max_inline_len) return fail("too big bulk count string");
            return need(data.size() + 1);
        }
        if (bcr + 1 >= rest.size()) return need(pos + bcr + 2);
        if (rest[0] != '$') return fail(std::string("expected '$', got '") + rest[0] + "'");
        long long len = 0;
        if (!parse_decimal(rest.substr(1, bcr - 1), len) || len < 0 ||
            static_cast<unsigned long long>(len) > limits.max_bulk_len)
            return fail("invalid bulk length");
        if (len > 16384 && !limits.authenticated) return fail("unauthenticated bulk length");
        std::size_t body = pos + bcr + 2;
        std::size_t end = body + static_cast<std::size_t>(len) + 2; // the bulk and its CRLF
        if (end > data.size()) return need(end + (i + 1 < count ? 4 : 0));
        args.push_back(data.substr(body, static_cast<std::size_t>(len)));
        pos = end;
    }
    parse_result r;
    r.status = parse_status::complete;
    r.consumed = pos;
    return r;
}

} // namespace corio_redis::resp
