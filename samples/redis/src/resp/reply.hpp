// Encodes replies in RESP2 or RESP3 (the client's protocol, chosen by HELLO) into a byte
// string that the connection sends once per batch of pipelined commands. RESP3-only types
// fall back as Redis does in RESP2: maps and sets become arrays, null is $-1 (or *-1 for a
// null array), doubles are bulk strings, booleans integers.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace corio_redis::resp {

class reply {
public:
    explicit reply(std::string& out, int protocol = 2) : out_(out), protocol_(protocol) {}

    int protocol() const noexcept { return protocol_; }
    void set_protocol(int p) noexcept { protocol_ = p; }
    std::string& bytes() noexcept { return out_; }

    void simple(std::string_view s) { line('+', s); }
    /// An error reply; `s` starts with its code ("ERR ...", "WRONGTYPE ..."). CR and LF in it
    /// (an argument echoed back) become spaces, as Redis makes them, so that it stays one line.
    void error(std::string_view s) {
        if (s.find_first_of("\r\n") == std::string_view::npos) return line('-', s);
        std::string clean(s);
        for (char& ch : clean)
            if (ch == '\r' || ch == '\n') ch = ' ';
        line('-', clean);
    }
    void integer(long long n) {
        out_.push_back(':');
        number(n);
        out_.append("\r\n");
    }
    void bulk(std::string_view s) {
        out_.push_back('$');
        number(static_cast<long long>(s.size()));
        out_.append("\r\n");
        out_.append(s);
        out_.append("\r\n");
    }
    void null() { out_.append(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }
    void null_array() { out_.append(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }
    void array(std::size_t n) { header('*', n); }
    void map(std::size_t pairs) {
        if (protocol_ >= 3)
            header('%', pairs);
        else
            header('*', pairs * 2);
    }
    void set(std::size_t n) { header(protocol_ >= 3 ? '~' : '*', n); }
    void push(std::size_t n) { header(protocol_ >= 3 ? '>' : '*', n); }
    void boolean(bool b) {
        if (protocol_ >= 3)
            out_.append(b ? "#t\r\n" : "#f\r\n");
        else
            integer(b ? 1 : 0);
    }
    /// A verbatim string (RESP3 "=", `format` being three letters such as "txt"); a bulk
    /// string in RESP2.
    void verbatim(std::string_view format, std::string_view s) {
        if (protocol_ < 3) return bulk(s);
        out_.push_back('=');
        number(static_cast<long long>(format.size() + 1 + s.size()));
        out_.append("\r\n");
        out_.append(format);
        out_.push_back(':');
        out_.append(s);
        out_.append("\r\n");
    }
    /// A double as Redis prints it (%.17g, then trimmed), a bulk string in RESP2.
    void dbl(double d);
    void ok() { out_.append("+OK\r\n"); }
    void queued() { out_.append("+QUEUED\r\n"); }

private:
    void line(char type, std::string_view s) {
        out_.push_back(type);
        out_.append(s);
        out_.append("\r\n");
    }
    void header(char type, std::size_t n) {
        out_.push_back(type);
        number(static_cast<long long>(n));
        out_.append("\r\n");
    }
    void number(long long n) {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, n);
        out_.append(buf, r.ptr);
    }

    std::string& out_;
    int protocol_;
};

/// Redis's double formatting for INCRBYFLOAT and friends (a long double, %.17Lg, no
/// exponent for humane values, trailing zeros trimmed).
std::string format_double(long double value);

} // namespace corio_redis::resp
