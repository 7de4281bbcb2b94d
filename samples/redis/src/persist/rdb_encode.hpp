// Writing RDB: the records of a snapshot file (header, AUX fields, database selectors, keys,
// EOF and checksum) and DUMP's payload, in the encodings Redis 7.0 reads, appended to a
// caller's buffer. Pure code: the caller writes the buffer wherever it goes.
#pragma once

#include "../db/value.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace corio_redis::persist {

class rdb_encoder {
public:
    /// Appends to out; compress: LZF for strings longer than 20 bytes (rdbcompression).
    /// The checksum eof() writes covers what this encoder appends, not what out held before.
    rdb_encoder(std::string& out, bool compress);

    void header(); // "REDIS0010"
    void aux(std::string_view key, std::string_view value);
    void aux(std::string_view key, long long value); // its decimal text, int-encoded
    void select_db(std::size_t db);
    void resize_db(std::size_t keys, std::size_t expires);
    /// One key: EXPIRETIME_MS if expire_at_ms != 0, IDLE (seconds) if idle_seconds >= 0,
    /// FREQ if freq >= 0, then the type byte, the key and the value.
    void key_value(std::string_view key, const db::value& v, std::int64_t expire_at_ms,
                   long long idle_seconds, int freq);
    /// The type byte and the object (DUMP's body).
    void value(const db::value& v);
    void length(std::uint64_t n);
    /// A string as Redis writes one: int8/16/32 when it is a canonical integer of that
    /// range, LZF when compressing and it is longer than 20 bytes and that saves 4 bytes,
    /// else its length and bytes.
    void string(std::string_view s);
    /// The EOF opcode and the CRC-64 of everything this encoder wrote.
    void eof();
    /// For a writer that empties out as it goes (a snapshot of gigabytes): call instead of
    /// out.clear() once out's bytes are written; the checksum keeps covering them.
    void clear_out() noexcept;

private:
    void byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
    void body(const db::value& v); // the object without its type byte
    bool try_lzf(std::string_view s);
    void make_room(std::size_t extra);

    std::string& out_;
    bool compress_;
    std::uint64_t crc_ = 0;
    std::size_t crc_done_;            // out_'s bytes already folded into crc_
    std::unique_ptr<char[]> scratch_; // LZF output, reused between strings
    std::size_t scratch_cap_ = 0;
};

/// DUMP's payload: the type byte and object, the RDB version (2 bytes, little-endian) and
/// the CRC-64 of all that (8 bytes, little-endian).
std::string dump_payload(const db::value& v, bool compress = true);
/// Closes a DUMP payload's body: the RDB version (2 bytes) and the CRC-64 of all before it
/// (8 bytes), little-endian. FUNCTION DUMP's payloads are closed the same way.
void seal_dump_payload(std::string& body);

} // namespace corio_redis::persist
