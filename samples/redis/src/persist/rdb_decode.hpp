// Reading RDB: a bounds-checked reader over bytes in memory (a mapped file, a RESTORE
// payload) that decodes every encoding Redis writes for strings, lists, sets and hashes,
// and on it the loader of a whole file and RESTORE's payload check.
#pragma once

#include "../db/value.hpp"
#include "rdb_format.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace corio_redis::persist {

class rdb_reader {
public:
    explicit rdb_reader(std::string_view bytes) noexcept : b_(bytes) {}

    std::size_t offset() const noexcept { return pos_; }
    std::size_t remaining() const noexcept { return b_.size() - pos_; }
    bool at_end() const noexcept { return pos_ == b_.size(); }

    // Each of these throws rdb_error if the input ends first.
    std::uint8_t byte();
    std::string_view bytes(std::size_t n); // the next n bytes, in place
    std::uint32_t u32_le();
    std::uint64_t u64_le();
    /// A length field; when it is a string encoding instead, `encoded` is set and the
    /// encoding (a str_enc value) returned.
    std::uint64_t length(bool& encoded);
    /// A plain length (throws on a string encoding).
    std::uint64_t length();
    /// A string in any of its encodings: raw, int8/16/32 (as decimal text), LZF.
    std::string string();
    /// An object of RDB type `type`; throws naming the type if corio-redis cannot hold it.
    /// Sets and hashes come back with hashtable == false (the caller settles encodings).
    db::value value(std::uint8_t type);

private:
    [[noreturn]] void ended() const;
    std::string_view b_;
    std::size_t pos_ = 0;
};

/// True for a list, set or hash without elements: Redis skips such keys on load and
/// refuses them in RESTORE, and so do load_rdb and restore_payload.
bool empty_collection(const db::value& v) noexcept;

struct rdb_load_result {
    std::uint64_t keys_loaded = 0;
    std::uint64_t keys_expired = 0; // skipped: their expiry was before now_ms
    std::uint64_t keys_empty = 0;   // skipped: empty collections
    int version = 0;
};

using rdb_key_handler =
    std::function<void(std::size_t db, std::string key, db::value v, std::int64_t expire_at_ms,
                       long long idle_seconds, int freq)>;
using rdb_aux_handler = std::function<void(std::string_view key, std::string_view value)>;

/// Parses a whole file: the header (REDIS and a version of 1 to 11), every record, EOF and,
/// from version 5, the CRC-64 after it (0 stored: not checked, as Redis). on_key gets each
/// key with its database (as SELECTDB said: the caller checks its range), its expiry
/// (unix ms, 0: none), its IDLE seconds and FREQ counter (-1: absent); on_aux each AUX field.
rdb_load_result load_rdb(std::string_view bytes, std::int64_t now_ms, const rdb_key_handler& on_key,
                         const rdb_aux_handler& on_aux);

/// A DUMP payload's body once its trailer is checked (RDB version <= 10, CRC-64); throws
/// rdb_error of kind version_or_checksum. FUNCTION RESTORE's payloads have the same trailer.
std::string_view dump_payload_body(std::string_view payload);

/// RESTORE's payload: checks the trailer (RDB version <= 11, CRC-64), throwing rdb_error
/// of kind version_or_checksum, then decodes the object, throwing kind bad_format.
db::value restore_payload(std::string_view payload);

} // namespace corio_redis::persist
