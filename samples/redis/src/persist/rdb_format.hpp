// The RDB format's numbers: versions, opcodes, object type codes and length encodings, as
// Redis defines them (rdb.h), shared by the encoder and the decoder; and rdb_error, what
// every malformed or unsupported input throws.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace corio_redis::persist {

/// The version we write (Redis 7.0's) and the newest we read (Redis 7.2's: the object
/// types we hold are encoded the same way in it).
inline constexpr int rdb_version_written = 10;
inline constexpr int rdb_version_max_read = 11;

/// Opcodes: bytes that stand where an object type would and introduce other records.
namespace opcode {
inline constexpr std::uint8_t function2 = 245;       // a function library (7.0)
inline constexpr std::uint8_t function_pre_ga = 246; // functions of 7.0's release candidates
inline constexpr std::uint8_t module_aux = 247;      // module data outside any key
inline constexpr std::uint8_t idle = 248;            // the next key's LRU idle time (seconds)
inline constexpr std::uint8_t freq = 249;            // the next key's LFU counter (one byte)
inline constexpr std::uint8_t aux = 250;             // a field: two strings
inline constexpr std::uint8_t resize_db = 251;       // size hints: keys, keys with expiry
inline constexpr std::uint8_t expire_time_ms = 252;  // the next key's expiry, unix ms, 8 bytes
inline constexpr std::uint8_t expire_time = 253;     // the same in seconds, 4 bytes (old)
inline constexpr std::uint8_t select_db = 254;       // the database of the keys that follow
inline constexpr std::uint8_t eof = 255;             // end of data; the CRC64 follows
} // namespace opcode

/// Object type codes (the byte before a key).
namespace type {
inline constexpr std::uint8_t string = 0;
inline constexpr std::uint8_t list = 1;
inline constexpr std::uint8_t set = 2;
inline constexpr std::uint8_t zset = 3;
inline constexpr std::uint8_t hash = 4;
inline constexpr std::uint8_t zset_2 = 5;
inline constexpr std::uint8_t module_pre_ga = 6;
inline constexpr std::uint8_t module_2 = 7;
inline constexpr std::uint8_t hash_zipmap = 9;
inline constexpr std::uint8_t list_ziplist = 10;
inline constexpr std::uint8_t set_intset = 11;
inline constexpr std::uint8_t zset_ziplist = 12;
inline constexpr std::uint8_t hash_ziplist = 13;
inline constexpr std::uint8_t list_quicklist = 14;
inline constexpr std::uint8_t stream_listpacks = 15;
inline constexpr std::uint8_t hash_listpack = 16;
inline constexpr std::uint8_t zset_listpack = 17;
inline constexpr std::uint8_t list_quicklist_2 = 18;
inline constexpr std::uint8_t stream_listpacks_2 = 19;
inline constexpr std::uint8_t set_listpack = 20;
inline constexpr std::uint8_t stream_listpacks_3 = 21;
} // namespace type

/// A quicklist-2 node's container kind.
inline constexpr std::uint64_t quicklist_node_plain = 1;  // one element, as a string
inline constexpr std::uint64_t quicklist_node_packed = 2; // a listpack of elements

/// Lengths: the top two bits of the first byte say how the rest is stored.
namespace len {
inline constexpr std::uint8_t bits_6 = 0;     // 00xxxxxx: the value
inline constexpr std::uint8_t bits_14 = 1;    // 01xxxxxx yyyyyyyy: big-endian
inline constexpr std::uint8_t bits_32 = 0x80; // a whole byte, then 4 bytes big-endian
inline constexpr std::uint8_t bits_64 = 0x81; // a whole byte, then 8 bytes big-endian
inline constexpr std::uint8_t encoded = 3;    // 11xxxxxx: a special string encoding
} // namespace len

/// The special string encodings (the low 6 bits after the 11 tag).
namespace str_enc {
inline constexpr std::uint8_t int8 = 0;
inline constexpr std::uint8_t int16 = 1;
inline constexpr std::uint8_t int32 = 2;
inline constexpr std::uint8_t lzf = 3; // compressed length, original length, LZF data
} // namespace str_enc

/// What went wrong, for RESTORE's two replies.
enum class rdb_error_kind : std::uint8_t {
    bad_format,          // "ERR Bad data format"
    version_or_checksum, // "ERR DUMP payload version or checksum are wrong"
};

struct rdb_error : std::runtime_error {
    explicit rdb_error(const std::string& what, rdb_error_kind k = rdb_error_kind::bad_format)
        : std::runtime_error(what), kind(k) {}
    rdb_error_kind kind;
};

} // namespace corio_redis::persist
