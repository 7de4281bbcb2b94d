// libFuzzer target: corio-redis's RDB decoder, as the loader of a whole file
// (persist::load_rdb) and as RESTORE's payload check (persist::restore_payload). Only
// rdb_error may come out, and whatever decodes re-encodes and decodes again to the same.
#include "persist/crc64.hpp"
#include "persist/rdb_decode.hpp"
#include "persist/rdb_encode.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace persist = corio_redis::persist;
namespace db = corio_redis::db;

// Decoding may expand its input (LZF up to 88 times): inputs are cut here to bound the work.
constexpr std::size_t max_input = 32 * 1024;
// A fixed "now" (May 2033), so that which keys count as expired depends on the input alone
// (the corpus has keys that expire before it and after it).
constexpr std::int64_t now_ms = 2'000'000'000'000;

[[noreturn]] void broken(const char* what) {
    std::fprintf(stderr, "rdb_load_fuzz: %s\n", what);
    std::abort();
}

void check(bool ok, const char* what) {
    if (!ok) broken(what);
}

bool same_value(const db::value& a, const db::value& b) {
    if (a.type() != b.type()) return false;
    switch (a.type()) {
    case db::value_type::string:
        return a.str() == b.str();
    case db::value_type::list:
        return *std::get<1>(a.data) == *std::get<1>(b.data);
    case db::value_type::hash: // the contents; the encoding flag is the caller's to settle
        return static_cast<const db::hash_map&>(*std::get<2>(a.data)) ==
               static_cast<const db::hash_map&>(*std::get<2>(b.data));
    case db::value_type::set:
        return static_cast<const db::set_base&>(*std::get<3>(a.data)) ==
               static_cast<const db::set_base&>(*std::get<3>(b.data));
    }
    return false;
}

struct loaded_key {
    std::size_t db;
    std::string key;
    db::value value;
    std::int64_t expire_at;
    long long idle;
    int freq;
};

struct loaded_file {
    std::vector<loaded_key> keys;
    std::vector<std::pair<std::string, std::string>> aux;
    persist::rdb_load_result result;
};

// Loads `bytes`; false if the decoder refused them (rdb_error, the only exception allowed:
// any other escapes to libFuzzer as a crash).
bool load(std::string_view bytes, loaded_file& out) {
    try {
        out.result = persist::load_rdb(
            bytes, now_ms,
            [&](std::size_t d, std::string key, db::value v, std::int64_t expire_at, long long idle,
                int freq) {
                out.keys.push_back({d, std::move(key), std::move(v), expire_at, idle, freq});
            },
            [&](std::string_view k, std::string_view v) { out.aux.emplace_back(k, v); });
    } catch (const persist::rdb_error&) {
        return false;
    }
    return true;
}

// What a load hands on: live keys (no expiry, or one after now), no empty collections, IDLE
// and FREQ in their ranges, and as many keys as it counted.
void check_loaded(const loaded_file& f) {
    check(f.result.keys_loaded == f.keys.size(), "keys_loaded is not the number of keys given");
    for (const auto& k : f.keys) {
        check(k.expire_at == 0 || k.expire_at >= now_ms, "an expired key was loaded");
        check(!persist::empty_collection(k.value), "an empty collection was loaded");
        check(k.idle >= -1, "an IDLE below -1");
        check(k.freq >= -1 && k.freq <= 255, "a FREQ outside -1..255");
    }
}

// The round trip: the loaded keys and AUX fields written as a file by rdb_encoder (LZF on)
// load again to the same keys, with nothing expired or skipped.
void check_file_round_trip(const loaded_file& first) {
    std::string bytes;
    persist::rdb_encoder e(bytes, true);
    e.header();
    for (const auto& [k, v] : first.aux) e.aux(k, v);
    std::size_t current = static_cast<std::size_t>(-1);
    for (const auto& k : first.keys) {
        if (k.db != current) e.select_db(k.db);
        current = k.db;
        e.key_value(k.key, k.value, k.expire_at, k.idle, k.freq);
    }
    e.eof();
    loaded_file again;
    check(load(bytes, again), "a file written from loaded keys does not load");
    check(again.result.keys_expired == 0 && again.result.keys_empty == 0,
          "a file written from loaded keys has expired or empty ones");
    check(again.aux == first.aux, "AUX fields differ after the round trip");
    check(again.keys.size() == first.keys.size(), "the key count differs after the round trip");
    for (std::size_t i = 0; i < first.keys.size(); ++i) {
        const loaded_key &a = first.keys[i], &b = again.keys[i];
        check(a.db == b.db && a.key == b.key && a.expire_at == b.expire_at && a.idle == b.idle &&
                  a.freq == b.freq,
              "a key's database, name, expiry, IDLE or FREQ differs after the round trip");
        check(same_value(a.value, b.value), "a value differs after the round trip");
    }
}

void check_file(std::string_view bytes) {
    loaded_file f;
    if (!load(bytes, f)) return;
    check_loaded(f);
    check_file_round_trip(f);
}

// RESTORE's view: a payload either is refused with rdb_error or holds a non-empty value
// whose DUMP (compressed or not) restores to the same value.
void check_payload(std::string_view payload) {
    db::value v;
    try {
        v = persist::restore_payload(payload);
    } catch (const persist::rdb_error&) {
        return;
    }
    check(!persist::empty_collection(v), "RESTORE accepted an empty collection");
    for (bool compress : {true, false}) {
        const std::string again = persist::dump_payload(v, compress);
        db::value w;
        try {
            w = persist::restore_payload(again);
        } catch (const persist::rdb_error&) {
            broken("DUMP of a restored value does not restore");
        }
        check(same_value(v, w), "DUMP then RESTORE changed a value");
    }
}

// The input as a DUMP body, closed with a valid trailer (version 10, CRC-64) so that the
// mutations reach the object decoder rather than the checksum.
std::string sealed(std::string_view body) {
    std::string out(body);
    out.push_back(static_cast<char>(persist::rdb_version_written & 0xff));
    out.push_back(static_cast<char>(persist::rdb_version_written >> 8));
    const std::uint64_t crc = persist::crc64(0, out.data(), out.size());
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), std::min(size, max_input));
    check_file(input);
    // The same file with its last 8 bytes zeroed: a stored CRC of 0 is not checked (as in
    // Redis), so a mutated file's records get decoded instead of failing the checksum.
    if (input.size() >= 18 && input.starts_with("REDIS")) {
        std::string unchecked(input);
        std::fill(unchecked.end() - 8, unchecked.end(), '\0');
        check_file(unchecked);
    }
    check_payload(input);
    check_payload(sealed(input));
    return 0;
}
