// Helpers of the RDB codec tests: hex literals, DUMP trailers, hand-built ziplists and
// objects, and values turned into comparable containers.
#pragma once

#include "persist/crc64.hpp"
#include "persist/rdb_encode.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rdb_test {

using corio_redis::db::value;

inline std::string unhex(std::string_view h) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    std::string out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(static_cast<char>(nibble(h[i]) << 4 | nibble(h[i + 1])));
    return out;
}

/// body with a valid DUMP trailer (RDB version, CRC-64), so that only the decoder can find
/// what is wrong with it.
inline std::string seal(std::string body, int version = 10) {
    body.push_back(static_cast<char>(version & 0xff));
    body.push_back(static_cast<char>(version >> 8));
    const std::uint64_t crc = corio_redis::persist::crc64(0, body.data(), body.size());
    for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>(crc >> (8 * i)));
    return body;
}

inline void put_le(std::string& s, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}

/// A ziplist of entries given as their encoding and data: adds each prevlen, the header
/// (total bytes, tail offset, count) and the terminator.
inline std::string ziplist(const std::vector<std::string>& entries) {
    std::string body;
    std::size_t prev = 0, tail = 10;
    for (const std::string& e : entries) {
        tail = 10 + body.size();
        std::string prevlen;
        if (prev < 254) {
            prevlen.push_back(static_cast<char>(prev));
        } else {
            prevlen.push_back('\xfe');
            put_le(prevlen, prev, 4);
        }
        body += prevlen + e;
        prev = prevlen.size() + e.size();
    }
    std::string zl;
    put_le(zl, 10 + body.size() + 1, 4);
    put_le(zl, tail, 4);
    put_le(zl, entries.size(), 2);
    return zl + body + "\xff";
}

/// A DUMP body: the type byte, optionally a count, then each blob as an RDB string.
inline std::string object(std::uint8_t type, const std::vector<std::string>& blobs,
                          bool counted = false) {
    std::string out(1, static_cast<char>(type));
    corio_redis::persist::rdb_encoder e(out, false);
    if (counted) e.length(blobs.size());
    for (const std::string& b : blobs) e.string(b);
    return out;
}

inline std::vector<std::string> as_list(const value& v) {
    const auto& l = *std::get<1>(v.data);
    return {l.begin(), l.end()};
}

inline std::set<std::string> as_set(const value& v) {
    const auto& s = *std::get<3>(v.data);
    return {s.begin(), s.end()};
}

inline std::map<std::string, std::string> as_hash(const value& v) {
    const auto& h = *std::get<2>(v.data);
    return {h.begin(), h.end()};
}

} // namespace rdb_test
