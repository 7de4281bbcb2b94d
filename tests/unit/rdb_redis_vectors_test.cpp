// corio-redis's RDB decoder against the real thing: DUMP payloads and RDB files written by
// redis-server 7.0.15 (Debian), each with the commands that made it, and every truncation
// and byte flip of such a file.
#include "persist/rdb_decode.hpp"
#include "persist/rdb_encode.hpp"
#include "rdb_test_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace corio_redis;
using namespace corio_redis::persist;
using namespace rdb_test;

namespace {

// SET int 12345 / SET neg -7 / SET big -2147483648 / SET s "hello world"
const char* const dump_int = "00c139300a009d94ea2793fc08b9";
const char* const dump_neg = "00c0f90a005e26d130d7a242ab";
const char* const dump_big = "00c2000000800a00c74f873e33558187";
const char* const dump_s = "000b68656c6c6f20776f726c640a000bfc49b9a6c7a034";
// SET lz <"abcdefghij" 10 times>: LZF
const char* const dump_lz = "00c31240640a6162636465666768696a61e04e0901696a0a00d485292a1f2eff66";
// HSET h name corio n 42 neg -5000 big 123456789012: a listpack
const char* const dump_h =
    "1031310000000800846e616d650585636f72696f06816e022a01836e656704f178ec038362696704f4141a99"
    "be1c00000009ff0a00ac4c29fe253762b8";
// CONFIG SET hash-max-listpack-entries 4; HSET hh f1 v1 f2 v2 f3 v3 f4 v4 f5 v5: a hashtable
const char* const dump_hh =
    "04050266310276310266340276340266350276350266330276330266320276320a00cceffd87ad36b28b";
// CONFIG SET hash-max-listpack-value 20000; HSET hb a <125 p> b <126 q> c <16378 r>
// d <16379 s>: a listpack (LZF) whose entries take 127, 128, 16383 and 16384 bytes, the
// bounds where back-lengths grow
const char* const dump_hb =
    "10c341b3800000811a0b1a8100000800816102e07d70e07300067f816202e07e71e074000a0180816302f0fa"
    "3f000072e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0"
    "ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
    "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff"
    "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0"
    "ff00e0ff00e0ff00e0ff00e0ff00e000000b00ffff816402f0fb3f000073e0ff00e0ff00e0ff00e0ff00e0ff"
    "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0"
    "ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
    "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff"
    "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0010003"
    "018080ff0a00c279ef6190495f95";
// SADD is 1 -2 300 70000 / SADD is64 1 5000000000: intsets of 4- and 8-byte integers
const char* const dump_is =
    "0b180400000004000000feffffff010000002c010000701101000a0027b7d31c9235162b";
const char* const dump_is64 =
    "0b180800000002000000010000000000000000f2052a010000000a0054f5a26ae707b5fc";
// SADD ss apple banana cherry: a hashtable
const char* const dump_ss = "0203056170706c650662616e616e61066368657272790a00195341371141d7ef";
// RPUSH l a b 7 -100 1000000 <70 x>: a quicklist of one listpack (LZF)
const char* const dump_l =
    "120102c3204060186000000006008161028162020701df9c02f240420f04e04678e03c000148ff0a00e67227"
    "96e7b1ff67";
// RPUSH li 0 127 128 -1 -4096 4095 4096 -4097 -32768 32767 32768 -8388608 8388607 8388608
// 2147483647 2147483648 -9223372036854775808 9223372036854775807 007 -0
// 12345678901234567890: every listpack integer encoding
const char* const dump_li =
    "120102c34076407f1f7f000000150000017f01c08002dfff02d00002cfff02f1001003f1ffef03f100008020"
    "07117f03f200800004f200008004f2ffff7f04f32009030005f3ff200b0105f4204000802003010009400940"
    "00028009f420194000157f098330303704822d30039431323334353637383930e001090115ff0a0096a044c9"
    "830f7391";
// RPUSH bl head <9000 y> tail: the long element gets a listpack node of its own
const char* const dump_bl =
    "1203020d0d0000000100846865616405ff02c3407a633607362300000100f02820060079e0ff00e0ff00e0ff"
    "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0"
    "ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
    "e0ff00e0ff00e00e000246adff020d0d0000000100847461696c05ff0a00f3d862fb92b83cda";
// DEBUG QUICKLIST-PACKED-THRESHOLD 1000; RPUSH bl head <9000 y> tail: a plain node (LZF)
const char* const dump_bl_plain =
    "1203020d0d0000000100846865616405ff01c3406f6328017979e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
    "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff"
    "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e00b0001"
    "7979020d0d0000000100847461696c05ff0a00a73846fc03188333";

// SET s hello; SET n 42 PXAT 4102444800000; SET z <"abcdefghij" 5 times>; RPUSH l a b c;
// SADD st 1 2 3; SADD sw x y; HSET h f v g 1; SELECT 3; SET other x PXAT 4102444800123;
// SAVE (maxmemory-policy noeviction: no IDLE or FREQ)
const char* const file_a =
    "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa0563"
    "74696d65c208f70e6bfa08757365642d6d656dc2407d1200fa08616f662d62617365c000fe00fb070100017a"
    "c312320a6162636465666768696a61e01c0901696a020273770201790178fc00d8c32cbb03000000016ec02a"
    "100168121200000004008166028176028167020101ff12016c010210100000000300816102816202816302ff"
    "0001730568656c6c6f0b0273740e0200000003000000010002000300fe03fb0101fc7bd8c32cbb0300000005"
    "6f746865720178ff3e5d5d4ca9402fb5";
// CONFIG SET maxmemory-policy allkeys-lru; SET k v; SAVE (an IDLE of 0 before the key)
const char* const file_lru =
    "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa0563"
    "74696d65c208f70e6bfa08757365642d6d656dc2d8d91200fa08616f662d62617365c000fe00fb0100f80000"
    "016b0176ffba9a907b4300ea22";
// CONFIG SET maxmemory-policy allkeys-lfu; SET k v; GET k (20 times); SAVE (FREQ 8)
const char* const file_lfu =
    "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa0563"
    "74696d65c208f70e6bfa08757365642d6d656dc2483a1300fa08616f662d62617365c000fe00fb0100f90800"
    "016b0176fffe883e297a8137c6";

db::value restored(const char* hex) {
    return restore_payload(unhex(hex));
}

using hash_t = std::map<std::string, std::string>;
using set_t = std::set<std::string>;
using list_t = std::vector<std::string>;

struct loaded_key {
    std::size_t db;
    std::string key;
    db::value v;
    std::int64_t expire;
    long long idle;
    int freq;
};

std::vector<loaded_key> load(const std::string& file, rdb_load_result* res = nullptr,
                             hash_t* aux = nullptr) {
    std::vector<loaded_key> keys;
    const rdb_load_result r = load_rdb(
        file, 0,
        [&](std::size_t db, std::string key, db::value v, std::int64_t expire, long long idle,
            int freq) {
            keys.push_back({db, std::move(key), std::move(v), expire, idle, freq});
        },
        [&](std::string_view k, std::string_view v) {
            if (aux) (*aux)[std::string(k)] = v;
        });
    if (res) *res = r;
    return keys;
}

} // namespace

TEST_CASE("rdb: DUMP payloads of redis-server 7.0.15, strings") {
    CHECK(restored(dump_int).str() == "12345");
    CHECK(restored(dump_neg).str() == "-7");
    CHECK(restored(dump_big).str() == "-2147483648");
    CHECK(restored(dump_s).str() == "hello world");
    std::string ten;
    for (int i = 0; i < 10; ++i) ten += "abcdefghij";
    CHECK(restored(dump_lz).str() == ten);
    // Ours are byte for byte the same where no compression choice is involved.
    for (const char* hex : {dump_int, dump_neg, dump_big, dump_s})
        CHECK(dump_payload(restored(hex)) == unhex(hex));
    CHECK(restore_payload(dump_payload(restored(dump_lz))).str() == ten);
}

TEST_CASE("rdb: DUMP payloads of redis-server 7.0.15, hashes and sets") {
    CHECK(as_hash(restored(dump_h)) ==
          hash_t{{"name", "corio"}, {"n", "42"}, {"neg", "-5000"}, {"big", "123456789012"}});
    CHECK(as_hash(restored(dump_hh)) ==
          hash_t{{"f1", "v1"}, {"f2", "v2"}, {"f3", "v3"}, {"f4", "v4"}, {"f5", "v5"}});
    CHECK(as_hash(restored(dump_hb)) == hash_t{{"a", std::string(125, 'p')},
                                               {"b", std::string(126, 'q')},
                                               {"c", std::string(16378, 'r')},
                                               {"d", std::string(16379, 's')}});
    const db::value is = restored(dump_is);
    CHECK(as_set(is) == set_t{"1", "-2", "300", "70000"});
    CHECK_FALSE(std::get<3>(is.data)->hashtable);
    CHECK(as_set(restored(dump_is64)) == set_t{"1", "5000000000"});
    CHECK(as_set(restored(dump_ss)) == set_t{"apple", "banana", "cherry"});
}

TEST_CASE("rdb: DUMP payloads of redis-server 7.0.15, lists") {
    CHECK(as_list(restored(dump_l)) ==
          list_t{"a", "b", "7", "-100", "1000000", std::string(70, 'x')});
    CHECK(as_list(restored(dump_li)) == list_t{"0",
                                               "127",
                                               "128",
                                               "-1",
                                               "-4096",
                                               "4095",
                                               "4096",
                                               "-4097",
                                               "-32768",
                                               "32767",
                                               "32768",
                                               "-8388608",
                                               "8388607",
                                               "8388608",
                                               "2147483647",
                                               "2147483648",
                                               "-9223372036854775808",
                                               "9223372036854775807",
                                               "007",
                                               "-0",
                                               "12345678901234567890"});
    const list_t bl{"head", std::string(9000, 'y'), "tail"};
    CHECK(as_list(restored(dump_bl)) == bl);
    CHECK(as_list(restored(dump_bl_plain)) == bl);
}

TEST_CASE("rdb: files saved by redis-server 7.0.15") {
    rdb_load_result res;
    hash_t aux;
    std::vector<loaded_key> keys = load(unhex(file_a), &res, &aux);
    CHECK(res.version == 10);
    CHECK(res.keys_loaded == 8);
    CHECK(res.keys_expired == 0);
    CHECK(aux["redis-ver"] == "7.0.15");
    CHECK(aux["redis-bits"] == "64");
    CHECK(aux["aof-base"] == "0");
    CHECK(aux.count("ctime") == 1);
    std::map<std::string, const loaded_key*> by_name;
    for (const auto& k : keys) by_name[k.key] = &k;
    REQUIRE(by_name.size() == 8);
    CHECK(by_name["s"]->v.str() == "hello");
    CHECK(by_name["n"]->v.str() == "42");
    CHECK(by_name["n"]->expire == 4102444800000);
    CHECK(by_name["z"]->v.str().size() == 50);
    CHECK(as_list(by_name["l"]->v) == list_t{"a", "b", "c"});
    CHECK(as_set(by_name["st"]->v) == set_t{"1", "2", "3"});
    CHECK(as_set(by_name["sw"]->v) == set_t{"x", "y"});
    CHECK(as_hash(by_name["h"]->v) == hash_t{{"f", "v"}, {"g", "1"}});
    CHECK(by_name["other"]->db == 3);
    CHECK(by_name["other"]->expire == 4102444800123);
    for (const auto& k : keys) {
        CHECK((k.idle == -1 && k.freq == -1));
        if (k.key != "other") CHECK(k.db == 0);
    }
    keys = load(unhex(file_lru));
    REQUIRE(keys.size() == 1);
    CHECK(
        (keys[0].key == "k" && keys[0].v.str() == "v" && keys[0].idle == 0 && keys[0].freq == -1));
    keys = load(unhex(file_lfu));
    REQUIRE(keys.size() == 1);
    CHECK((keys[0].idle == -1 && keys[0].freq == 8));
}

TEST_CASE("rdb: every truncation and byte flip of a redis-server file throws rdb_error") {
    const std::string file = unhex(file_a);
    for (std::size_t k = 0; k < file.size(); ++k)
        CHECK_THROWS_AS(load(file.substr(0, k)), rdb_error);
    // The checksum catches what the structure does not.
    for (std::size_t i = 0; i < file.size(); ++i)
        for (unsigned mask : {0x01u, 0x80u, 0xffu}) {
            std::string f = file;
            f[i] = static_cast<char>(f[i] ^ mask);
            CHECK_THROWS_AS(load(f), rdb_error);
        }
    // Redis's payloads, re-sealed after each cut or flip so the decoder has to notice.
    for (const char* hex : {dump_h, dump_hb, dump_is, dump_l, dump_li, dump_bl_plain, dump_lz}) {
        const std::string p = unhex(hex);
        const std::string body = p.substr(0, p.size() - 10);
        for (std::size_t k = 0; k < body.size(); ++k)
            CHECK_THROWS_AS(restore_payload(seal(body.substr(0, k))), rdb_error);
        for (std::size_t i = 0; i < body.size(); ++i) {
            std::string b = body;
            b[i] = static_cast<char>(~b[i]);
            try {
                restore_payload(seal(b));
            } catch (const rdb_error&) {
            }
        }
    }
}
