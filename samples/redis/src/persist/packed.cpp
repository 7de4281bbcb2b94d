// The packed-blob readers; see packed.hpp. Multi-byte integers are little-endian except
// ziplist string lengths (big-endian), as Redis writes them.
#include "packed.hpp"

#include "rdb_format.hpp"

#include <charconv>
#include <string>

namespace corio_redis::persist {

namespace {

[[noreturn]] void corrupt(const char* what, const char* why) {
    throw rdb_error(std::string("corrupt ") + what + ": " + why);
}

std::uint64_t le(const char* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = v << 8 | static_cast<unsigned char>(p[i]);
    return v;
}

std::uint64_t be(const char* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(p[i]);
    return v;
}

// The two's-complement value of the low `bits` bits of v.
std::int64_t sign_extend(std::uint64_t v, unsigned bits) noexcept {
    const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    v &= mask;
    if (v >> (bits - 1) & 1) v |= ~mask;
    return static_cast<std::int64_t>(v); // modular since C++20
}

unsigned char at(std::string_view b, std::size_t i) noexcept {
    return static_cast<unsigned char>(b[i]);
}

// Redis sizes a listpack back-length by these bounds (one short of the 7-bit powers from
// two bytes on: an entry of 16383 bytes gets three).
std::size_t backlen_size(std::size_t l) noexcept {
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

// Whether the k bytes at p spell back-length l: the first without the continuation bit,
// the rest with it, 7 bits each, most significant first.
bool backlen_is(const char* p, std::size_t k, std::size_t l) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < k; ++i) {
        const unsigned char c = static_cast<unsigned char>(p[i]);
        if ((c >= 128) != (i > 0)) return false;
        v = v << 7 | (c & 127u);
    }
    return v == l;
}

constexpr std::size_t lp_header = 6;  // total bytes u32, count u16
constexpr std::size_t zl_header = 10; // total bytes u32, tail offset u32, count u16
constexpr unsigned char end_byte = 0xff;

} // namespace

std::string_view number_text::format(std::int64_t v) noexcept {
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

// ---- listpack --------------------------------------------------------------------------

listpack_reader::listpack_reader(std::string_view blob) : b_(blob), pos_(lp_header) {
    if (b_.size() < lp_header + 1) corrupt("listpack", "shorter than its header");
    if (le(b_.data(), 4) != b_.size()) corrupt("listpack", "size field disagrees with its size");
    if (at(b_, b_.size() - 1) != end_byte) corrupt("listpack", "no terminator");
    declared_ = static_cast<std::size_t>(le(b_.data() + 4, 2));
}

std::size_t listpack_reader::size_hint() const noexcept {
    const std::size_t most = (b_.size() - lp_header) / 2; // an entry takes 2 bytes at least
    return declared_ == 65535 || declared_ > most ? most : declared_;
}

bool listpack_reader::next(std::string_view& element) {
    const std::size_t limit = b_.size() - 1; // entries end before the terminator
    if (pos_ == limit) {
        if (declared_ != 65535 && declared_ != seen_) corrupt("listpack", "wrong element count");
        return false;
    }
    const char* p = b_.data() + pos_;
    const std::size_t room = limit - pos_;
    const unsigned char c = static_cast<unsigned char>(*p);
    std::size_t head = 1, str_len = 0;
    bool is_string = false;
    std::int64_t v = 0;
    auto need = [&](std::size_t n) {
        if (room < n) corrupt("listpack", "entry overruns the blob");
    };
    if (c < 0x80) { // 0xxxxxxx: 7-bit unsigned
        v = c;
    } else if ((c & 0xc0) == 0x80) { // 10xxxxxx: string of up to 63 bytes
        is_string = true;
        str_len = c & 0x3fu;
    } else if ((c & 0xe0) == 0xc0) { // 110xxxxx yyyyyyyy: 13-bit signed
        need(2);
        head = 2;
        v = sign_extend((std::uint64_t{c} & 0x1f) << 8 | at(b_, pos_ + 1), 13);
    } else if ((c & 0xf0) == 0xe0) { // 1110xxxx yyyyyyyy: string of up to 4095 bytes
        need(2);
        head = 2;
        is_string = true;
        str_len = (std::size_t{c} & 0x0f) << 8 | at(b_, pos_ + 1);
    } else {
        switch (c) {
        case 0xf0: // then a 32-bit length
            need(5);
            head = 5;
            is_string = true;
            str_len = static_cast<std::size_t>(le(p + 1, 4));
            break;
        case 0xf1:
            head = 3;
            break; // int16
        case 0xf2:
            head = 4;
            break; // int24
        case 0xf3:
            head = 5;
            break; // int32
        case 0xf4:
            head = 9;
            break; // int64
        default:
            corrupt("listpack", "unknown entry encoding");
        }
        if (!is_string) {
            need(head);
            v = sign_extend(le(p + 1, head - 1), static_cast<unsigned>((head - 1) * 8));
        }
    }
    need(head);
    if (room - head < str_len) corrupt("listpack", "string overruns the blob");
    const std::size_t l = head + str_len;
    std::size_t k = backlen_size(l);
    if (room - l < k) corrupt("listpack", "back-length overruns the blob");
    if (!backlen_is(p + l, k, l)) {
        // Be lenient about a minimal back-length at the bounds where Redis uses one more.
        if (k > 1 && backlen_is(p + l, k - 1, l))
            --k;
        else
            corrupt("listpack", "wrong back-length");
    }
    element = is_string ? std::string_view(p + head, str_len) : num_.format(v);
    pos_ += l + k;
    ++seen_;
    return true;
}

// ---- ziplist ---------------------------------------------------------------------------

ziplist_reader::ziplist_reader(std::string_view blob) : b_(blob), pos_(zl_header) {
    if (b_.size() < zl_header + 1) corrupt("ziplist", "shorter than its header");
    if (le(b_.data(), 4) != b_.size()) corrupt("ziplist", "size field disagrees with its size");
    if (at(b_, b_.size() - 1) != end_byte) corrupt("ziplist", "no terminator");
    tail_ = static_cast<std::size_t>(le(b_.data() + 4, 4));
    declared_ = static_cast<std::size_t>(le(b_.data() + 8, 2));
}

std::size_t ziplist_reader::size_hint() const noexcept {
    const std::size_t most = (b_.size() - zl_header) / 2; // prevlen and encoding, 1 byte each
    return declared_ == 65535 || declared_ > most ? most : declared_;
}

bool ziplist_reader::next(std::string_view& element) {
    const std::size_t limit = b_.size() - 1;
    if (pos_ == limit) {
        if (declared_ != 65535 && declared_ != seen_) corrupt("ziplist", "wrong entry count");
        // The tail offset names the last entry (the terminator's place when there is none).
        if (tail_ != (seen_ == 0 ? zl_header : pos_ - prev_size_))
            corrupt("ziplist", "wrong tail offset");
        return false;
    }
    const char* p = b_.data() + pos_;
    const std::size_t room = limit - pos_;
    auto need = [&](std::size_t n) {
        if (room < n) corrupt("ziplist", "entry overruns the blob");
    };
    // prevlen: one byte below 254, else 254 and four bytes.
    std::size_t head = 1, prevlen = at(b_, pos_);
    if (prevlen == 254) {
        need(5);
        prevlen = static_cast<std::size_t>(le(p + 1, 4));
        head = 5;
    } else if (prevlen == 255) {
        corrupt("ziplist", "terminator inside the entries");
    }
    if (prevlen != prev_size_) corrupt("ziplist", "wrong previous-entry length");
    need(head + 1);
    const unsigned char c = at(b_, pos_ + head);
    std::size_t data = 0;
    bool is_string = true;
    std::int64_t v = 0;
    switch (c >> 6) {
    case 0: // 00xxxxxx: string of up to 63 bytes
        data = c & 0x3fu;
        head += 1;
        break;
    case 1: // 01xxxxxx yyyyyyyy: 14-bit big-endian length
        need(head + 2);
        data = (std::size_t{c} & 0x3f) << 8 | at(b_, pos_ + head + 1);
        head += 2;
        break;
    case 2: // 10______ then a 32-bit big-endian length
        need(head + 5);
        data = static_cast<std::size_t>(be(p + head + 1, 4));
        head += 5;
        break;
    default: { // 11xxxxxx: an integer
        is_string = false;
        std::size_t width = 0;
        if (c >= 0xf1 && c <= 0xfd) {
            v = (c & 0x0f) - 1; // 4-bit immediate 0..12
        } else {
            switch (c) {
            case 0xc0:
                width = 2;
                break;
            case 0xd0:
                width = 4;
                break;
            case 0xe0:
                width = 8;
                break;
            case 0xf0:
                width = 3;
                break;
            case 0xfe:
                width = 1;
                break;
            default:
                corrupt("ziplist", "unknown entry encoding");
            }
            need(head + 1 + width);
            v = sign_extend(le(p + head + 1, width), static_cast<unsigned>(width * 8));
        }
        head += 1 + width;
    }
    }
    if (room - head < data) corrupt("ziplist", "string overruns the blob");
    element = is_string ? std::string_view(p + head, data) : num_.format(v);
    prev_size_ = head + data;
    pos_ += prev_size_;
    ++seen_;
    return true;
}

// ---- intset ----------------------------------------------------------------------------

intset_reader::intset_reader(std::string_view blob) : b_(blob) {
    if (b_.size() < 8) corrupt("intset", "shorter than its header");
    width_ = static_cast<std::size_t>(le(b_.data(), 4));
    if (width_ != 2 && width_ != 4 && width_ != 8) corrupt("intset", "bad integer width");
    count_ = static_cast<std::size_t>(le(b_.data() + 4, 4));
    if ((b_.size() - 8) % width_ != 0 || (b_.size() - 8) / width_ != count_)
        corrupt("intset", "count disagrees with its size");
}

bool intset_reader::next(std::string_view& element) {
    if (index_ == count_) return false;
    const std::int64_t v =
        sign_extend(le(b_.data() + 8 + index_ * width_, width_), static_cast<unsigned>(width_ * 8));
    if (index_ > 0 && v <= last_) corrupt("intset", "members out of order or repeated");
    last_ = v;
    ++index_;
    element = num_.format(v);
    return true;
}

// ---- zipmap ----------------------------------------------------------------------------

zipmap_reader::zipmap_reader(std::string_view blob) : b_(blob) {
    if (b_.size() < 2) corrupt("zipmap", "shorter than its header");
    if (at(b_, b_.size() - 1) != end_byte) corrupt("zipmap", "no terminator");
    declared_ = at(b_, 0);
}

// A length: one byte below 254; 254 and four bytes; 255 is the terminator, not a length.
std::size_t zipmap_reader::length() {
    const std::size_t limit = b_.size() - 1;
    if (pos_ >= limit) corrupt("zipmap", "entry overruns the blob");
    const unsigned char c = at(b_, pos_);
    if (c < 254) {
        ++pos_;
        return c;
    }
    if (c == 255 || limit - pos_ < 5) corrupt("zipmap", "bad length");
    const auto n = static_cast<std::size_t>(le(b_.data() + pos_ + 1, 4));
    pos_ += 5;
    return n;
}

bool zipmap_reader::next(std::string_view& key, std::string_view& value) {
    const std::size_t limit = b_.size() - 1;
    if (pos_ == limit) {
        if (declared_ < 254 && declared_ != seen_) corrupt("zipmap", "wrong entry count");
        return false;
    }
    const std::size_t key_len = length();
    if (limit - pos_ < key_len) corrupt("zipmap", "key overruns the blob");
    key = b_.substr(pos_, key_len);
    pos_ += key_len;
    const std::size_t value_len = length();
    if (pos_ >= limit) corrupt("zipmap", "entry overruns the blob");
    const std::size_t free = at(b_, pos_++); // unused bytes after the value
    if (limit - pos_ < value_len || limit - pos_ - value_len < free)
        corrupt("zipmap", "value overruns the blob");
    value = b_.substr(pos_, value_len);
    pos_ += value_len + free;
    ++seen_;
    return true;
}

} // namespace corio_redis::persist
