// corio-redis's key table (db/keyspace): lookups, inserts and erases through growth and
// shrinking, the entry-to-key way back, and SCAN's guarantee (every key present for the whole
// walk is reported) while the table grows or shrinks between steps.
#include "db/keyspace.hpp"

#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using corio_redis::db::entry;
using corio_redis::db::keyspace;

std::string key(int i) {
    return "key:" + std::to_string(i);
}

// The whole SCAN walk from cursor 0; `between(step)` runs after each step.
template <class F>
std::multiset<std::string> scan_all(const keyspace& ks, F&& between) {
    std::multiset<std::string> seen;
    std::uint64_t cursor = 0;
    int step = 0;
    do {
        cursor = ks.scan(cursor, [&](std::string_view k, const entry&) { seen.emplace(k); });
        between(step++);
    } while (cursor != 0 && step < 1'000'000);
    return seen;
}

} // namespace

TEST_CASE("keyspace: find, insert and erase through growth and shrinking") {
    keyspace ks;
    CHECK(ks.find("absent") == nullptr);
    CHECK_FALSE(ks.erase("absent"));
    constexpr int n = 20000;
    for (int i = 0; i < n; ++i) {
        bool created = false;
        entry& e = ks.find_or_insert(key(i), created);
        REQUIRE(created);
        e.val.str() = "v" + std::to_string(i);
        e.expire_at = i;
    }
    CHECK(ks.size() == n);
    CHECK(ks.bucket_count() >= n);
    CHECK((ks.bucket_count() & (ks.bucket_count() - 1)) == 0);
    for (int i = 0; i < n; ++i) {
        entry* e = ks.find(key(i));
        REQUIRE(e);
        CHECK(e->val.str() == "v" + std::to_string(i));
        CHECK(e->expire_at == i);
        CHECK(keyspace::key_of(*e) == key(i));
        bool created = true;
        CHECK(&ks.find_or_insert(key(i), created) == e);
        CHECK_FALSE(created);
    }
    // Keys that share a prefix, the empty key and a key with NUL bytes are distinct.
    bool created = false;
    ks.find_or_insert("", created).val.str() = "empty";
    CHECK(created);
    ks.find_or_insert(std::string_view("a\0b", 3), created).val.str() = "nul";
    CHECK(created);
    CHECK(ks.find(std::string_view("a\0c", 3)) == nullptr);
    CHECK(ks.find("")->val.str() == "empty");
    CHECK(ks.erase(""));
    CHECK(ks.erase(std::string_view("a\0b", 3)));

    // Entries stay where they are while the table resizes: the pointer taken first is valid.
    entry* first = ks.find(key(0));
    for (int i = 1; i < n; ++i) REQUIRE(ks.erase(key(i)));
    CHECK(ks.size() == 1);
    while (ks.rehashing()) ks.rehash_some(1024); // as the shard's ticker does
    CHECK(ks.bucket_count() <= 16);              // shrunk with the erases
    CHECK(ks.find(key(0)) == first);
    CHECK(first->val.str() == "v0");
    ks.clear();
    CHECK(ks.size() == 0);
    CHECK(ks.find(key(0)) == nullptr);
}

TEST_CASE("keyspace: a SCAN walk reports every key once when the table does not change") {
    keyspace ks;
    for (int i = 0; i < 5000; ++i) {
        bool created;
        ks.find_or_insert(key(i), created);
    }
    auto seen = scan_all(ks, [](int) {});
    CHECK(seen.size() == 5000);
    CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 5000);
}

TEST_CASE("keyspace: SCAN reports every key present throughout while the table grows") {
    keyspace ks;
    constexpr int stable = 3000;
    for (int i = 0; i < stable; ++i) {
        bool created;
        ks.find_or_insert(key(i), created);
    }
    int next = stable;
    auto seen = scan_all(ks, [&](int) {
        // Grows the table many times over during the walk, then stops (a table that grows
        // faster than the walk proceeds would keep it going for ever).
        for (int j = 0; j < 40 && next < stable + 200000; ++j) {
            bool created;
            ks.find_or_insert(key(next++), created);
        }
    });
    CHECK(ks.bucket_count() > 16 * 4096);
    for (int i = 0; i < stable; ++i) CHECK_MESSAGE(seen.count(key(i)) >= 1, key(i));
}

TEST_CASE("keyspace: SCAN reports every key present throughout while the table shrinks") {
    keyspace ks;
    constexpr int stable = 500, doomed = 60000;
    for (int i = 0; i < stable + doomed; ++i) {
        bool created;
        ks.find_or_insert(key(i), created);
    }
    const std::size_t before = ks.bucket_count();
    int next = stable;
    auto seen = scan_all(ks, [&](int) {
        for (int j = 0; j < 2000 && next < stable + doomed; ++j) ks.erase(key(next++));
    });
    while (ks.rehashing()) ks.rehash_some(1024);
    CHECK(ks.bucket_count() < before / 16);
    for (int i = 0; i < stable; ++i) CHECK_MESSAGE(seen.count(key(i)) >= 1, key(i));
}

TEST_CASE("keyspace: sample finds every key of a small table") {
    keyspace ks;
    for (int i = 0; i < 10; ++i) {
        bool created;
        ks.find_or_insert(key(i), created);
    }
    std::mt19937_64 rng(7);
    std::set<std::string> drawn;
    for (int i = 0; i < 2000; ++i) {
        auto [k, e] = ks.sample(rng(), rng());
        if (e) drawn.emplace(k);
    }
    CHECK(drawn.size() == 10);
}

TEST_CASE("keyspace: keys of every length class, and the access time beside them") {
    keyspace ks;
    // Lengths around the one-, two- and three-byte boundaries of the stored length.
    std::vector<std::size_t> lengths{0, 1, 127, 128, 129, 16383, 16384, 70000};
    for (std::size_t n : lengths) {
        std::string k(n, 'k');
        if (n > 0) k.back() = 'x';
        bool created = false;
        entry& e = ks.find_or_insert(k, created);
        REQUIRE(created);
        CHECK(keyspace::access_of(e) == 0);
        keyspace::set_access(e, static_cast<std::uint32_t>(n + 1));
        e.val.str() = std::to_string(n);
    }
    for (std::size_t n : lengths) {
        std::string k(n, 'k');
        if (n > 0) k.back() = 'x';
        entry* e = ks.find(k);
        REQUIRE(e);
        CHECK(keyspace::key_of(*e) == k);
        CHECK(e->val.str() == std::to_string(n));
        CHECK(keyspace::access_of(*e) == n + 1);
    }
    CHECK(ks.find(std::string(128, 'k')) == nullptr);
}

TEST_CASE("keyspace: a resize moves a few buckets per change, and every key stays reachable") {
    keyspace ks;
    int n = 0;
    bool created = false;
    // Fill until a resize starts, then check mid-rehash lookups, inserts and erases.
    while (!ks.rehashing() || ks.size() < 1000) {
        ks.find_or_insert(key(n++), created);
        if (ks.rehashing() && ks.size() < 1000) {
            while (ks.rehashing()) ks.rehash_some(1);
        }
    }
    REQUIRE(ks.rehashing());
    for (int i = 0; i < n; ++i) REQUIRE(ks.find(key(i)));
    ks.find_or_insert("added-while-rehashing", created);
    CHECK(created);
    CHECK(ks.erase(key(0)));
    CHECK_FALSE(ks.erase(key(0)));
    CHECK(ks.rehashing()); // one bucket per change: not done after three
    std::size_t seen = 0;
    ks.for_each([&](std::string_view, const entry&) { ++seen; });
    CHECK(seen == ks.size());
    auto walk = scan_all(ks, [](int) {});
    CHECK(walk.size() == ks.size());
    while (ks.rehashing()) ks.rehash_some(64);
    for (int i = 1; i < n; ++i) REQUIRE(ks.find(key(i)));
    CHECK(ks.find("added-while-rehashing"));
}
