// Whole-file loading and RESTORE's payload check, on top of rdb_reader; see rdb_decode.hpp.
#include "rdb_decode.hpp"

#include "crc64.hpp"

#include <limits>

namespace corio_redis::persist {

namespace {

[[noreturn]] void bad(const std::string& why) {
    throw rdb_error(why);
}

// The version of a file's "REDIS0010" header.
int header_version(rdb_reader& r) {
    if (r.remaining() < 9 || r.bytes(5) != "REDIS") bad("not an RDB file (no REDIS signature)");
    int v = 0;
    for (char c : r.bytes(4)) {
        if (c < '0' || c > '9') bad("not an RDB file (bad version digits)");
        v = v * 10 + (c - '0');
    }
    if (v < 1 || v > rdb_version_max_read)
        bad("RDB format version " + std::to_string(v) +
            " is not supported (corio-redis reads 1 to " + std::to_string(rdb_version_max_read) +
            ")");
    return v;
}

} // namespace

rdb_load_result load_rdb(std::string_view bytes, std::int64_t now_ms, const rdb_key_handler& on_key,
                         const rdb_aux_handler& on_aux) {
    rdb_reader r(bytes);
    rdb_load_result res;
    res.version = header_version(r);
    std::size_t db = 0;
    // What the opcodes before a key said about it.
    bool has_expire = false;
    std::int64_t expire_at = 0;
    long long idle = -1;
    int freq = -1;
    for (;;) {
        const std::uint8_t t = r.byte();
        switch (t) {
        case opcode::expire_time: // seconds, signed 32-bit
            expire_at = std::int64_t{static_cast<std::int32_t>(r.u32_le())} * 1000;
            has_expire = true;
            continue;
        case opcode::expire_time_ms:
            expire_at = static_cast<std::int64_t>(r.u64_le());
            has_expire = true;
            continue;
        case opcode::idle: {
            const std::uint64_t s = r.length();
            constexpr auto most = std::numeric_limits<long long>::max();
            idle = s > static_cast<std::uint64_t>(most) ? most : static_cast<long long>(s);
            continue;
        }
        case opcode::freq:
            freq = r.byte();
            continue;
        case opcode::select_db:
            db = static_cast<std::size_t>(r.length());
            continue;
        case opcode::resize_db: // size hints: the caller's tables grow as keys come
            r.length();
            r.length();
            continue;
        case opcode::aux: {
            const std::string key = r.string();
            const std::string value = r.string();
            if (on_aux) on_aux(key, value);
            continue;
        }
        case opcode::module_aux:
            bad("RDB holds module data (opcode 247): corio-redis does not support modules");
        case opcode::function2:
        case opcode::function_pre_ga:
            bad("RDB holds a function library (opcode " + std::to_string(t) +
                "): corio-redis does not support functions yet");
        case opcode::eof:
            break;
        default: {
            std::string key = r.string();
            db::value v = r.value(t);
            // As a Redis master does: keys already expired are not loaded.
            if (has_expire && expire_at < now_ms)
                ++res.keys_expired;
            else if (empty_collection(v))
                ++res.keys_empty;
            else {
                ++res.keys_loaded;
                on_key(db, std::move(key), std::move(v), has_expire ? expire_at : 0, idle, freq);
            }
            has_expire = false;
            expire_at = 0;
            idle = -1;
            freq = -1;
            continue;
        }
        }
        break; // EOF
    }
    if (res.version >= 5) {
        const std::size_t covered = r.offset();
        const std::uint64_t stored = r.u64_le();
        if (stored != 0 && stored != crc64(0, bytes.data(), covered))
            bad("RDB checksum mismatch: the file is corrupt");
    }
    return res;
}

std::string_view dump_payload_body(std::string_view payload) {
    using enum rdb_error_kind;
    if (payload.size() < 10) throw rdb_error("DUMP payload too short", version_or_checksum);
    const std::string_view trailer = payload.substr(payload.size() - 10);
    const int version =
        static_cast<unsigned char>(trailer[0]) | static_cast<unsigned char>(trailer[1]) << 8;
    // Redis 7.0 takes no payload newer than what it writes (files of 7.2 it cannot read
    // either; loading them here goes further, see rdb_version_max_read).
    if (version > rdb_version_written)
        throw rdb_error("DUMP payload of RDB version " + std::to_string(version),
                        version_or_checksum);
    std::uint64_t stored = 0;
    for (int i = 7; i >= 0; --i)
        stored = stored << 8 | static_cast<unsigned char>(trailer[2 + static_cast<std::size_t>(i)]);
    if (stored != crc64(0, payload.data(), payload.size() - 8))
        throw rdb_error("DUMP payload checksum mismatch", version_or_checksum);
    return payload.substr(0, payload.size() - 10);
}

db::value restore_payload(std::string_view payload) {
    rdb_reader r(dump_payload_body(payload));
    db::value v = r.value(r.byte());
    if (!r.at_end()) bad("DUMP payload has bytes after its object");
    if (empty_collection(v)) bad("DUMP payload holds an empty collection");
    return v;
}

} // namespace corio_redis::persist
