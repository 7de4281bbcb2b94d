// The RDB encoder; see rdb_encode.hpp. Lists, sets and hashes are written in their plain
// encodings (a count, then each element as a string), which every Redis version loads.
#include "rdb_encode.hpp"

#include "crc64.hpp"
#include "lzf.hpp"
#include "rdb_format.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

namespace corio_redis::persist {

namespace {

void put_le(std::string& out, std::uint64_t v, std::size_t n) {
    char b[8];
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out.append(b, n);
}

// Redis's rule for the integer encodings: the exact decimal text of a number (no sign but
// '-', no leading zeros, not "-0") within 32 bits.
bool canonical_int32(std::string_view s, std::int32_t& out) noexcept {
    if (s.empty() || s.size() > 11) return false;
    const bool neg = s[0] == '-';
    const std::string_view digits = s.substr(neg ? 1 : 0);
    if (digits.empty() || (digits[0] == '0' && (digits.size() > 1 || neg))) return false;
    long long v = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0'); // at most 10 digits: no overflow
    }
    if (neg) v = -v;
    if (v < std::numeric_limits<std::int32_t>::min() ||
        v > std::numeric_limits<std::int32_t>::max())
        return false;
    out = static_cast<std::int32_t>(v);
    return true;
}

std::uint8_t type_code(const db::value& v) noexcept {
    switch (v.type()) {
    case db::value_type::string:
        return type::string;
    case db::value_type::list:
        return type::list;
    case db::value_type::set:
        return type::set;
    case db::value_type::hash:
        return type::hash;
    }
    return type::string;
}

constexpr std::size_t keep_scratch = std::size_t{1} << 20; // larger buffers are not kept

} // namespace

rdb_encoder::rdb_encoder(std::string& out, bool compress)
    : out_(out), compress_(compress), crc_done_(out.size()) {}

void rdb_encoder::header() {
    char h[16];
    std::memcpy(h, "REDIS", 5);
    const int v = rdb_version_written;
    for (int i = 0, d = 1000; i < 4; ++i, d /= 10) h[5 + i] = static_cast<char>('0' + v / d % 10);
    out_.append(h, 9);
}

void rdb_encoder::aux(std::string_view key, std::string_view value) {
    byte(opcode::aux);
    string(key);
    string(value);
}

void rdb_encoder::aux(std::string_view key, long long value) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    aux(key, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

void rdb_encoder::select_db(std::size_t db) {
    byte(opcode::select_db);
    length(db);
}

void rdb_encoder::resize_db(std::size_t keys, std::size_t expires) {
    byte(opcode::resize_db);
    length(keys);
    length(expires);
}

void rdb_encoder::key_value(std::string_view key, const db::value& v, std::int64_t expire_at_ms,
                            long long idle_seconds, int freq) {
    if (expire_at_ms != 0) {
        byte(opcode::expire_time_ms);
        put_le(out_, static_cast<std::uint64_t>(expire_at_ms), 8);
    }
    if (idle_seconds >= 0) {
        byte(opcode::idle);
        length(static_cast<std::uint64_t>(idle_seconds));
    }
    if (freq >= 0) {
        byte(opcode::freq);
        byte(static_cast<std::uint8_t>(freq > 255 ? 255 : freq));
    }
    byte(type_code(v));
    string(key);
    body(v);
}

void rdb_encoder::value(const db::value& v) {
    byte(type_code(v));
    body(v);
}

// Room for a collection up front (its bytes plus a few per element); growth stays
// geometric, so a big buffer filled value by value is not copied again for each.
void rdb_encoder::make_room(std::size_t extra) {
    const std::size_t free = out_.capacity() - out_.size();
    if (free >= extra) return;
    out_.reserve(std::max(out_.size() + extra, out_.capacity() * 2));
}

void rdb_encoder::body(const db::value& v) {
    switch (v.type()) {
    case db::value_type::string:
        string(v.str());
        return;
    case db::value_type::list: {
        const auto& l = *std::get<1>(v.data);
        std::size_t bytes = 9;
        for (const auto& e : l) bytes += e.size() + 5;
        make_room(bytes);
        length(l.size());
        for (const auto& e : l) string(e);
        return;
    }
    case db::value_type::set: {
        const auto& s = *std::get<3>(v.data);
        std::size_t bytes = 9;
        for (const auto& e : s) bytes += e.size() + 5;
        make_room(bytes);
        length(s.size());
        for (const auto& e : s) string(e);
        return;
    }
    case db::value_type::hash: {
        const auto& h = *std::get<2>(v.data);
        std::size_t bytes = 9;
        for (const auto& [f, val] : h) bytes += f.size() + val.size() + 10;
        make_room(bytes);
        length(h.size());
        for (const auto& [f, val] : h) {
            string(f);
            string(val);
        }
        return;
    }
    }
}

void rdb_encoder::length(std::uint64_t n) {
    if (n < (1u << 6)) {
        byte(static_cast<std::uint8_t>(n));
    } else if (n < (1u << 14)) {
        byte(static_cast<std::uint8_t>(len::bits_14 << 6 | n >> 8));
        byte(static_cast<std::uint8_t>(n & 0xff));
    } else {
        const bool wide = n > std::numeric_limits<std::uint32_t>::max();
        byte(wide ? len::bits_64 : len::bits_32);
        const std::size_t w = wide ? 8 : 4;
        char b[8];
        for (std::size_t i = 0; i < w; ++i) b[i] = static_cast<char>(n >> (8 * (w - 1 - i)));
        out_.append(b, w);
    }
}

void rdb_encoder::string(std::string_view s) {
    std::int32_t iv = 0;
    if (canonical_int32(s, iv)) {
        const auto tag = [](std::uint8_t enc) {
            return static_cast<std::uint8_t>(len::encoded << 6 | enc);
        };
        if (iv >= -128 && iv <= 127) {
            byte(tag(str_enc::int8));
            put_le(out_, static_cast<std::uint32_t>(iv), 1);
        } else if (iv >= -32768 && iv <= 32767) {
            byte(tag(str_enc::int16));
            put_le(out_, static_cast<std::uint32_t>(iv), 2);
        } else {
            byte(tag(str_enc::int32));
            put_le(out_, static_cast<std::uint32_t>(iv), 4);
        }
        return;
    }
    if (compress_ && s.size() > 20 && try_lzf(s)) return;
    length(s.size());
    out_.append(s);
}

// Redis keeps the compressed form only if it is at least 4 bytes shorter.
bool rdb_encoder::try_lzf(std::string_view s) {
    const std::size_t cap = s.size() - 4;
    if (scratch_cap_ < cap) {
        scratch_.reset(new char[cap]);
        scratch_cap_ = cap;
    }
    const std::size_t n = lzf_compress(s.data(), s.size(), scratch_.get(), cap);
    if (n != 0) {
        byte(static_cast<std::uint8_t>(len::encoded << 6 | str_enc::lzf));
        length(n);
        length(s.size());
        out_.append(scratch_.get(), n);
    }
    if (scratch_cap_ > keep_scratch) { // one huge string should not pin its buffer
        scratch_.reset();
        scratch_cap_ = 0;
    }
    return n != 0;
}

void rdb_encoder::eof() {
    byte(opcode::eof);
    crc_ = crc64(crc_, out_.data() + crc_done_, out_.size() - crc_done_);
    put_le(out_, crc_, 8);
    crc_done_ = out_.size(); // the checksum itself is not checksummed
}

void rdb_encoder::clear_out() noexcept {
    crc_ = crc64(crc_, out_.data() + crc_done_, out_.size() - crc_done_);
    out_.clear();
    crc_done_ = 0;
}

void seal_dump_payload(std::string& body) {
    put_le(body, static_cast<std::uint64_t>(rdb_version_written), 2);
    put_le(body, crc64(0, body.data(), body.size()), 8);
}

std::string dump_payload(const db::value& v, bool compress) {
    std::string out;
    rdb_encoder e(out, compress);
    e.value(v);
    seal_dump_payload(out);
    return out;
}

} // namespace corio_redis::persist
