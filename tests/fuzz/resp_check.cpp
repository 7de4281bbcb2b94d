// The reply reader of resp_check.hpp: each type's framing as the RESP specification and
// Redis's networking.c write it, nested values read recursively (to a bounded depth).
#include "resp_check.hpp"

#include <charconv>
#include <system_error>

namespace corio_fuzz {
namespace {

// Redis's string2ll: an optional '-', digits, no leading zero (but "0"), no "-0", in range.
bool strict_integer(std::string_view s, long long& out) {
    if (s.empty()) return false;
    const std::string_view digits = s[0] == '-' ? s.substr(1) : s;
    if (digits.empty() || (digits[0] == '0' && (digits.size() > 1 || s[0] == '-'))) return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

class reader {
public:
    reader(std::string_view s, int protocol, std::string& why)
        : s_(s), protocol_(protocol), why_(why) {}

    std::size_t pos() const noexcept { return pos_; }

    // One value at pos_, moving past it; false (why_ says why) if there is none.
    bool value(int depth) {
        if (depth > 64) return fail("values nested deeper than 64");
        if (pos_ >= s_.size()) return fail("no value where one should be");
        const char type = s_[pos_++];
        std::string_view text;
        long long n = 0;
        switch (type) {
        case '+':
            return line(text);
        case '-':
            if (!line(text)) return false;
            // "CODE message": Redis's clients take the first word as the error's kind.
            if (text.empty() || text[0] < 'A' || text[0] > 'Z')
                return fail("an error without its upper-case code");
            return true;
        case ':':
            if (!line(text)) return false;
            return strict_integer(text, n) || fail("a malformed integer");
        case '$':
        case '=':
        case '!':
            if ((type == '=' || type == '!') && !resp3()) return fail("a RESP3 string in RESP2");
            if (!line(text)) return false;
            if (!strict_integer(text, n)) return fail("a malformed string length");
            if (type == '$' && n == -1) return !resp3() || fail("RESP2's null ($-1) in RESP3");
            if (n < 0) return fail("a negative string length");
            return blob(static_cast<std::size_t>(n), type == '=');
        case '*':
        case '~':
        case '%':
        case '>':
            if (type != '*' && !resp3()) return fail("a RESP3 aggregate in RESP2");
            if (!line(text)) return false;
            if (!strict_integer(text, n)) return fail("a malformed element count");
            if (type == '*' && n == -1) return !resp3() || fail("RESP2's null array in RESP3");
            if (n < 0) return fail("a negative element count");
            // Every element takes 3 bytes at least: a larger count is cut short.
            if (static_cast<unsigned long long>(n) > s_.size() - pos_)
                return fail("more elements than bytes left");
            for (long long i = 0; i < n * (type == '%' ? 2 : 1); ++i)
                if (!value(depth + 1)) return false;
            return true;
        case '_':
            if (!resp3()) return fail("RESP3's null in RESP2");
            if (!line(text)) return false;
            return text.empty() || fail("a null with text");
        case '#':
            if (!resp3()) return fail("a RESP3 boolean in RESP2");
            if (!line(text)) return false;
            return text == "t" || text == "f" || fail("a boolean neither t nor f");
        case ',': {
            if (!resp3()) return fail("a RESP3 double in RESP2");
            if (!line(text)) return false;
            double d = 0;
            const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
            return (!text.empty() && r.ec == std::errc() && r.ptr == text.data() + text.size()) ||
                   fail("a malformed double");
        }
        case '(': {
            if (!resp3()) return fail("a RESP3 big number in RESP2");
            if (!line(text)) return false;
            const std::string_view digits = !text.empty() && text[0] == '-' ? text.substr(1) : text;
            if (digits.empty()) return fail("a big number without digits");
            for (char c : digits)
                if (c < '0' || c > '9') return fail("a big number with a non-digit");
            return true;
        }
        default:
            --pos_;
            return fail("an unknown type byte");
        }
    }

private:
    bool resp3() const noexcept { return protocol_ >= 3; }

    bool fail(std::string_view what) {
        why_ = std::string(what) + " (at offset " + std::to_string(pos_) + ")";
        return false;
    }

    // The rest of a line, up to its CRLF, which may hold neither CR nor LF (a simple string
    // or error that did would end early for the client and leave garbage behind).
    bool line(std::string_view& out) {
        const std::size_t eol = s_.find("\r\n", pos_);
        if (eol == std::string_view::npos) return fail("a line without its CRLF");
        out = s_.substr(pos_, eol - pos_);
        if (out.find_first_of("\r\n") != std::string_view::npos)
            return fail("a CR or LF inside a line");
        pos_ = eol + 2;
        return true;
    }

    // n bytes and CRLF; a verbatim string starts with its three-letter format and ':'.
    bool blob(std::size_t n, bool verbatim) {
        if (s_.size() - pos_ < n || s_.size() - pos_ - n < 2) return fail("a string cut short");
        if (s_.compare(pos_ + n, 2, "\r\n") != 0) return fail("a string not ended by CRLF");
        if (verbatim && (n < 4 || s_[pos_ + 3] != ':'))
            return fail("a verbatim string without its format");
        pos_ += n + 2;
        return true;
    }

    std::string_view s_;
    int protocol_;
    std::string& why_;
    std::size_t pos_ = 0;
};

} // namespace

bool one_reply(std::string_view bytes, int protocol, std::string& why) {
    if (bytes.empty()) {
        why = "no reply at all";
        return false;
    }
    reader r(bytes, protocol, why);
    if (!r.value(0)) return false;
    if (r.pos() != bytes.size()) {
        why = "bytes after the reply (at offset " + std::to_string(r.pos()) + ")";
        return false;
    }
    return true;
}

} // namespace corio_fuzz
