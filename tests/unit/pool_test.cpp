// Unit tests of corio::buffer::block_pool: acquire/release, the cache limit, counts and trim.
#include <corio/buffer/pool.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>
#include <vector>

using corio::buffer::block_pool;

TEST_CASE("pool: defaults and block size check") {
    block_pool def;
    CHECK(def.block_size() == 4096);
    CHECK(def.cached() == 0);
    CHECK(def.outstanding() == 0);

    CHECK_THROWS_AS(block_pool(63), std::invalid_argument);
    CHECK_THROWS_AS(block_pool(0), std::invalid_argument);
    CHECK_NOTHROW(block_pool(64));
    block_pool odd(100, 3);
    CHECK(odd.block_size() == 100);
}

TEST_CASE("pool: acquired blocks are distinct and fully usable") {
    block_pool pool(128, 8);
    std::vector<char*> blocks;
    for (int i = 0; i < 10; ++i) {
        char* b = pool.acquire();
        REQUIRE(b != nullptr);
        // Every byte of the block belongs to us (ASan reports an overflow otherwise).
        std::memset(b, 'a' + i, pool.block_size());
        blocks.push_back(b);
        CHECK(pool.outstanding() == blocks.size());
        CHECK(pool.cached() == 0);
    }
    CHECK(std::set<char*>(blocks.begin(), blocks.end()).size() == blocks.size());
    // No block overlaps another: each still holds its own fill.
    for (int i = 0; i < 10; ++i) {
        CHECK(std::all_of(blocks[i], blocks[i] + 128, [i](char c) { return c == 'a' + i; }));
    }
    for (char* b : blocks) pool.release(b);
    CHECK(pool.outstanding() == 0);
}

TEST_CASE("pool: released blocks are reused, most recent first") {
    block_pool pool(64, 4);
    char* a = pool.acquire();
    char* b = pool.acquire();
    pool.release(a);
    pool.release(b);
    CHECK(pool.cached() == 2);
    CHECK(pool.outstanding() == 0);

    char* first = pool.acquire();
    CHECK(first == b);
    CHECK(pool.cached() == 1);
    CHECK(pool.outstanding() == 1);
    char* second = pool.acquire();
    CHECK(second == a);
    CHECK(pool.cached() == 0);
    CHECK(pool.outstanding() == 2);

    // The cache is empty now, so the next block is a fresh one.
    char* third = pool.acquire();
    CHECK(third != a);
    CHECK(third != b);
    CHECK(pool.outstanding() == 3);

    pool.release(first);
    pool.release(second);
    pool.release(third);
    CHECK(pool.cached() == 3);
    CHECK(pool.outstanding() == 0);
}

TEST_CASE("pool: at most max_cached free blocks are kept") {
    block_pool pool(64, 3);
    std::vector<char*> blocks;
    for (int i = 0; i < 7; ++i) blocks.push_back(pool.acquire());
    CHECK(pool.outstanding() == 7);

    std::size_t released = 0;
    for (char* b : blocks) {
        pool.release(b);
        ++released;
        CHECK(pool.outstanding() == 7 - released);
        CHECK(pool.cached() == std::min<std::size_t>(released, 3));
    }
    CHECK(pool.cached() == 3);

    // Cached blocks come back before new ones are allocated.
    char* x = pool.acquire();
    CHECK(pool.cached() == 2);
    CHECK(std::find(blocks.begin(), blocks.end(), x) != blocks.end());
    pool.release(x);
    CHECK(pool.cached() == 3);
}

TEST_CASE("pool: max_cached of zero never caches") {
    block_pool pool(64, 0);
    char* a = pool.acquire();
    char* b = pool.acquire();
    CHECK(pool.outstanding() == 2);
    pool.release(a);
    pool.release(b);
    CHECK(pool.cached() == 0);
    CHECK(pool.outstanding() == 0);
}

TEST_CASE("pool: trim frees the cache and leaves outstanding blocks alone") {
    block_pool pool(256, 10);
    std::vector<char*> blocks;
    for (int i = 0; i < 6; ++i) blocks.push_back(pool.acquire());
    for (int i = 0; i < 4; ++i) pool.release(blocks[i]);
    CHECK(pool.cached() == 4);
    CHECK(pool.outstanding() == 2);

    pool.trim();
    CHECK(pool.cached() == 0);
    CHECK(pool.outstanding() == 2);
    // Outstanding blocks are still ours to use.
    std::memset(blocks[4], 'x', 256);
    std::memset(blocks[5], 'y', 256);
    CHECK(blocks[4][255] == 'x');
    CHECK(blocks[5][0] == 'y');

    pool.trim(); // trimming an empty cache is harmless
    CHECK(pool.cached() == 0);

    // After trim the pool still works and caches again.
    char* c = pool.acquire();
    CHECK(pool.outstanding() == 3);
    pool.release(c);
    pool.release(blocks[4]);
    pool.release(blocks[5]);
    CHECK(pool.cached() == 3);
    CHECK(pool.outstanding() == 0);
    // The destructor frees the cached blocks; LeakSanitizer would report them otherwise.
}
