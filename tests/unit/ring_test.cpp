// Unit and randomized model tests of corio::buffer::ring, the elastic power-of-two ring buffer.
#include <corio/buffer/ring.hpp>

#include <doctest/doctest.h>

#include "buffer_test_support.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/uio.h>

using corio::buffer::block_pool;
using corio::buffer::ring;

using buffer_test::copied;
using buffer_test::gathered;
using buffer_test::pattern;

namespace {

// The data as readable() sees it.
std::string joined(const ring& r) {
    auto parts = r.readable();
    return std::string(parts[0]) + std::string(parts[1]);
}

// A ring of capacity 64 (pool block 64) holding `expected`, wrapped: 34 bytes at the end of
// the array, 16 at its start.
std::string make_wrapped(ring& r) {
    REQUIRE(r.write(pattern(40)));
    r.consume(30);
    const std::string more = pattern(40, 1);
    REQUIRE(r.write(more));
    REQUIRE(r.capacity() == 64);
    return pattern(40).substr(30) + more;
}

} // namespace

TEST_CASE("ring: construction allocates nothing") {
    block_pool pool(64);
    ring r(&pool);
    CHECK(r.size() == 0);
    CHECK(r.empty());
    CHECK(r.capacity() == 0);
    CHECK(r.available() == 0);
    CHECK(r.max_size() == corio::buffer::default_max_size);
    CHECK(corio::buffer::default_max_size == std::size_t{64} << 20);
    CHECK(pool.outstanding() == 0);

    auto parts = r.readable();
    CHECK(parts[0].empty());
    CHECK(parts[1].empty());
    auto free = r.writable();
    CHECK(free[0].empty());
    CHECK(free[1].empty());
    CHECK(r.front().empty());
    CHECK(r.linearize().empty());
    iovec iov[2];
    CHECK(r.iovecs(iov, 2) == 0);
    char c = 'z';
    CHECK(r.copy_out(&c, 1) == 0);
    CHECK(c == 'z');
    r.consume(0);
    CHECK(r.empty());

    CHECK_THROWS_AS(ring(&pool, 0), std::invalid_argument);
}

TEST_CASE("ring: writing nothing is a no-op") {
    block_pool pool(64);
    ring r(&pool);
    CHECK(r.write(""));
    CHECK(r.write(std::string_view{}));
    CHECK(r.empty());
    CHECK(r.capacity() == 0);

    // A full ring accepts an empty write too.
    REQUIRE(r.write(pattern(64)));
    REQUIRE(r.full());
    CHECK(r.write(std::string_view{}));
    CHECK(r.size() == 64);
    CHECK(r.capacity() == 64);
    CHECK(copied(r) == pattern(64));
}

TEST_CASE("ring: write, read and consume in order") {
    block_pool pool(64);
    ring r(&pool);
    CHECK(r.write("hello"));
    CHECK(r.write(", world"));
    CHECK(r.size() == 12);
    CHECK_FALSE(r.empty());
    CHECK(r.capacity() == 64);
    CHECK(r.available() == 52);
    CHECK(r.front() == "hello, world");
    CHECK(joined(r) == "hello, world");
    CHECK(copied(r) == "hello, world");

    char buf[5];
    CHECK(r.copy_out(buf, 5) == 5);
    CHECK(std::string(buf, 5) == "hello");
    CHECK(r.size() == 12); // copy_out does not consume

    r.consume(7);
    CHECK(r.size() == 5);
    CHECK(r.front() == "world");
    CHECK(r.available() == 59);
    r.consume(100); // more than size() drops everything
    CHECK(r.empty());
    CHECK(r.capacity() == 64);
}

TEST_CASE("ring: wrap-around splits the data across the two readable views") {
    block_pool pool(64);
    ring r(&pool);
    const std::string expected = make_wrapped(r);
    REQUIRE(expected.size() == 50);

    auto parts = r.readable();
    CHECK(parts[0].size() == 34);
    CHECK(parts[1].size() == 16);
    CHECK(parts[0] == expected.substr(0, 34));
    CHECK(parts[1] == expected.substr(34));
    // The first view runs to the end of the array, the second starts at its beginning.
    CHECK(parts[0].data() + parts[0].size() == parts[1].data() + r.capacity());
    CHECK(r.front() == parts[0]);

    std::string buf(40, '\0');
    CHECK(r.copy_out(buf.data(), 40) == 40); // spans the wrap
    CHECK(buf == expected.substr(0, 40));
    CHECK(copied(r) == expected);

    iovec iov[3];
    CHECK(r.iovecs(iov, 3) == 2);
    CHECK(gathered(iov, 2) == expected);
    CHECK(r.iovecs(iov, 1) == 1);
    CHECK(gathered(iov, 1) == expected.substr(0, 34));
    CHECK(r.iovecs(iov, 0) == 0);

    // Consuming the first view leaves one contiguous piece.
    r.consume(34);
    parts = r.readable();
    CHECK(parts[0] == expected.substr(34));
    CHECK(parts[1].empty());
}

TEST_CASE("ring: linearize") {
    block_pool pool(64);

    SUBCASE("wrapped data becomes contiguous and stays in order") {
        ring r(&pool);
        const std::string expected = make_wrapped(r);
        REQUIRE_FALSE(r.readable()[1].empty());
        std::string_view line = r.linearize();
        CHECK(line == expected);
        CHECK(r.capacity() == 64);
        CHECK(r.readable()[1].empty());
        CHECK(r.readable()[0].data() == line.data());
        CHECK(r.linearize().data() == line.data()); // already contiguous: no move
        CHECK(r.write("XYZ"));
        CHECK(copied(r) == expected + "XYZ");
    }
    SUBCASE("a full, wrapped ring") {
        ring r(&pool);
        REQUIRE(r.write(pattern(64)));
        r.consume(20);
        REQUIRE(r.write(pattern(20, 5)));
        REQUIRE(r.full());
        REQUIRE(r.readable()[1].size() == 20);
        const std::string expected = pattern(64).substr(20) + pattern(20, 5);
        CHECK(r.linearize() == expected);
        CHECK(r.readable()[1].empty());
        CHECK(copied(r) == expected);
    }
    SUBCASE("contiguous data is not moved") {
        ring r(&pool);
        REQUIRE(r.write(pattern(40)));
        r.consume(10);
        const char* before = r.front().data();
        CHECK(r.linearize().data() == before);
        CHECK(r.linearize() == pattern(40).substr(10));
    }
}

TEST_CASE("ring: linearize moves wrapped data of every split, large ones too") {
    // Every way of splitting the data between the array's end and its start, in a small ring
    // and in one whose pieces are larger than linearize's stack copy.
    for (std::size_t capacity : {std::size_t{64}, std::size_t{1} << 16}) {
        block_pool pool(capacity);
        for (std::size_t size : {capacity / 2, capacity - 1, capacity}) {
            for (std::size_t head : {std::size_t{1}, capacity / 4, capacity / 2, capacity - 1}) {
                if (head + size <= capacity) continue; // only wrapped layouts
                // head filler bytes, then the data up to the array's end, then the filler
                // consumed and the rest of the data written at the array's start.
                ring r(&pool);
                const std::string data = pattern(size, 7);
                REQUIRE(r.write(pattern(head)));
                REQUIRE(r.write(data.substr(0, capacity - head)));
                r.consume(head);
                REQUIRE(r.write(data.substr(capacity - head)));
                CAPTURE(capacity);
                CAPTURE(size);
                CAPTURE(head);
                REQUIRE(r.readable()[0].size() == capacity - head); // really wrapped
                REQUIRE(r.readable()[1].size() == size - (capacity - head));
                CHECK(r.linearize() == data);
                CHECK(r.readable()[1].empty());
            }
        }
    }
}

TEST_CASE("ring: rewind moves a small rest to the front so the next write does not wrap") {
    block_pool pool(64);
    ring r(&pool);
    REQUIRE(r.write(pattern(60)));
    r.consume(50); // 10 bytes left at 50..59: 4 free after them, 50 before
    r.rewind();
    CHECK(r.front() == pattern(60).substr(50));
    REQUIRE(r.write(pattern(30, 9)));
    CHECK(r.readable()[1].empty()); // written contiguously
    CHECK(r.linearize() == pattern(60).substr(50) + pattern(30, 9));
    // More room after the data than before it: nothing moves.
    ring q(&pool);
    REQUIRE(q.write(pattern(20)));
    q.consume(5);
    const char* before = q.front().data();
    q.rewind();
    CHECK(q.front().data() == before);
    // Wrapped data is left to linearize; an empty ring rewinds to its start.
    ring w(&pool);
    const std::string expected = make_wrapped(w);
    w.rewind();
    CHECK(copied(w) == expected);
    w.consume(w.size());
    w.rewind();
    REQUIRE(w.write("abc"));
    CHECK(w.front() == "abc");
}

TEST_CASE("ring: writable and commit") {
    block_pool pool(64);

    SUBCASE("no memory yet: nothing writable until reserve") {
        ring r(&pool);
        auto free = r.writable();
        CHECK(free[0].empty());
        CHECK(free[1].empty());
        CHECK(r.reserve(10));
        CHECK(r.capacity() == 64);
        free = r.writable();
        CHECK(free[0].size() == 64);
        CHECK(free[1].empty());
        std::memcpy(free[0].data(), "0123456789", 10);
        r.commit(10);
        CHECK(r.size() == 10);
        CHECK(copied(r) == "0123456789");
        r.commit(0);
        CHECK(r.size() == 10);
        // The free space now starts right after the data.
        free = r.writable();
        CHECK(free[0].data() == r.front().data() + 10);
        CHECK(free[0].size() == 54);
    }
    SUBCASE("free space that wraps comes as two spans") {
        ring r(&pool);
        REQUIRE(r.write(pattern(50)));
        r.consume(40); // data at [40, 50): free is [50, 64) then [0, 40)
        const std::string old = pattern(50).substr(40);
        auto free = r.writable();
        REQUIRE(free[0].size() == 14);
        REQUIRE(free[1].size() == 40);
        CHECK(free[0].size() + free[1].size() == r.available());
        CHECK(free[0].data() == r.front().data() + 10);
        CHECK(free[1].data() == r.front().data() - 40);

        const std::string fill = pattern(54, 3);
        std::memcpy(free[0].data(), fill.data(), 14);
        std::memcpy(free[1].data(), fill.data() + 14, 40);
        r.commit(30); // 14 bytes of the first span, 16 of the second
        CHECK(r.size() == 40);
        CHECK(copied(r) == old + fill.substr(0, 30));
        CHECK(r.readable()[0].size() == 24);
        CHECK(r.readable()[1].size() == 16);

        // Data wraps now, so the free space is one piece between tail and head.
        free = r.writable();
        CHECK(free[0].size() == 24);
        CHECK(free[1].empty());
        std::memcpy(free[0].data(), fill.data() + 30, 24);
        r.commit(24);
        CHECK(r.full());
        CHECK(copied(r) == old + fill);
        free = r.writable();
        CHECK(free[0].empty());
        CHECK(free[1].empty());
    }
    SUBCASE("bytes written but not committed are not data") {
        ring r(&pool);
        REQUIRE(r.write("abc"));
        auto free = r.writable();
        std::memset(free[0].data(), 'Q', free[0].size());
        r.commit(2);
        CHECK(copied(r) == "abcQQ");
        CHECK(r.write("de"));
        CHECK(copied(r) == "abcQQde");
    }
}

TEST_CASE("ring: grows by doubling to powers of two") {
    SUBCASE("one byte over the capacity doubles it") {
        block_pool pool(64);
        ring r(&pool);
        std::string expected;
        for (std::size_t cap : {64u, 128u, 256u, 512u}) {
            while (expected.size() < cap) {
                const std::string piece = pattern(std::min<std::size_t>(7, cap - expected.size()),
                                                  static_cast<unsigned>(expected.size()));
                REQUIRE(r.write(piece));
                expected += piece;
                CHECK(r.capacity() == cap);
            }
            CHECK(r.full());
            REQUIRE(r.write("+"));
            expected += "+";
            CHECK(r.capacity() == cap * 2);
            CHECK(copied(r) == expected);
        }
    }
    SUBCASE("growing keeps wrapped data in order") {
        block_pool pool(64);
        ring r(&pool);
        std::string expected = make_wrapped(r);
        const std::string more = pattern(20, 9);
        REQUIRE(r.write(more)); // 70 bytes: needs 128
        expected += more;
        CHECK(r.capacity() == 128);
        CHECK(r.readable()[1].empty());
        CHECK(copied(r) == expected);
    }
    SUBCASE("a big write jumps straight to the power of two that fits") {
        ring r; // no pool: 4096 first
        REQUIRE(r.write("x"));
        CHECK(r.capacity() == 4096);
        REQUIRE(r.write(pattern(5000)));
        CHECK(r.capacity() == 8192);
        REQUIRE(r.write(pattern(4000)));
        CHECK(r.capacity() == 16384);
        CHECK(copied(r) == "x" + pattern(5000) + pattern(4000));
    }
    SUBCASE("reserve grows without adding data") {
        block_pool pool(64);
        ring r(&pool);
        REQUIRE(r.write(pattern(10)));
        CHECK(r.reserve(54));
        CHECK(r.capacity() == 64);
        CHECK(r.reserve(55));
        CHECK(r.capacity() == 128);
        CHECK(r.available() >= 55);
        CHECK(copied(r) == pattern(10));
    }
    SUBCASE("min_capacity is rounded up to a power of two") {
        ring r(nullptr, corio::buffer::default_max_size, 100);
        REQUIRE(r.write("a"));
        CHECK(r.capacity() == 128);
        ring tiny(nullptr, 1000, 1);
        REQUIRE(tiny.write("a"));
        CHECK(tiny.capacity() == 1);
        REQUIRE(tiny.write("bc"));
        CHECK(tiny.capacity() == 4);
        tiny.consume(2);
        REQUIRE(tiny.write("def")); // wraps inside 4 bytes
        CHECK(tiny.capacity() == 4);
        CHECK(copied(tiny) == "cdef");
    }
}

TEST_CASE("ring: max_size caps writes and reserves") {
    block_pool pool(64);

    SUBCASE("the cap is exact and failures change nothing") {
        ring r(&pool, 100);
        CHECK(r.max_size() == 100);
        REQUIRE(r.write(pattern(100)));
        CHECK(r.size() == 100);
        CHECK(r.capacity() == 128);

        CHECK_FALSE(r.write("x"));
        CHECK_FALSE(r.reserve(1));
        CHECK(r.reserve(0));
        CHECK(r.size() == 100);
        CHECK(r.capacity() == 128);
        CHECK(copied(r) == pattern(100));

        r.consume(10);
        CHECK(r.reserve(10));
        CHECK_FALSE(r.reserve(11));
        CHECK_FALSE(r.write(pattern(11, 4)));
        CHECK(copied(r) == pattern(100).substr(10));
        CHECK(r.write(pattern(10, 4)));
        CHECK(r.size() == 100);
        CHECK(copied(r) == pattern(100).substr(10) + pattern(10, 4));
        CHECK_FALSE(r.write("y"));
    }
    SUBCASE("a refused write leaves a wrapped layout untouched") {
        ring r(&pool, 60);
        const std::string expected = make_wrapped(r); // 50 bytes
        const auto before = r.readable();
        CHECK_FALSE(r.write(pattern(11)));
        const auto after = r.readable();
        CHECK(after[0].data() == before[0].data());
        CHECK(after[0].size() == before[0].size());
        CHECK(after[1].data() == before[1].data());
        CHECK(after[1].size() == before[1].size());
        CHECK(copied(r) == expected);
        CHECK(r.write(pattern(10)));
        CHECK(copied(r) == expected + pattern(10));
    }
    SUBCASE("an oversized write on an empty ring allocates nothing") {
        ring r(&pool, 100);
        CHECK_FALSE(r.write(pattern(101)));
        CHECK_FALSE(r.reserve(101));
        CHECK(r.capacity() == 0);
        CHECK(pool.outstanding() == 0);
        ring big(&pool);
        CHECK_FALSE(big.reserve(corio::buffer::default_max_size + 1));
        CHECK(big.capacity() == 0);
    }
}

TEST_CASE("ring: shrink") {
    block_pool pool(64);

    SUBCASE("halves toward the minimum while size is at most a quarter") {
        ring r(&pool); // minimum 64
        const std::string all = pattern(1000);
        REQUIRE(r.write(all));
        REQUIRE(r.capacity() == 1024);
        r.consume(800); // 200 <= 256
        r.shrink();
        CHECK(r.capacity() == 512);
        CHECK(copied(r) == all.substr(800));
        r.shrink(); // 200 > 128: stays
        CHECK(r.capacity() == 512);
        r.consume(100); // 100 <= 128 but > 64: one halving
        r.shrink();
        CHECK(r.capacity() == 256);
        CHECK(copied(r) == all.substr(900));
        r.consume(90); // 10 bytes: down to the minimum, which comes from the pool
        CHECK(pool.outstanding() == 0);
        r.shrink();
        CHECK(r.capacity() == 64);
        CHECK(pool.outstanding() == 1);
        CHECK(copied(r) == all.substr(990));
        r.shrink(); // never below the minimum while holding data
        CHECK(r.capacity() == 64);
        r.consume(10);
        r.shrink(); // empty at the minimum: memory is kept
        CHECK(r.capacity() == 64);
        CHECK(pool.outstanding() == 1);
    }
    SUBCASE("exactly a quarter shrinks, one byte more does not") {
        ring a(nullptr, 1 << 20, 64);
        REQUIRE(a.write(pattern(256)));
        a.consume(192);
        a.shrink();
        CHECK(a.capacity() == 128);
        CHECK(copied(a) == pattern(256).substr(192));

        ring b(nullptr, 1 << 20, 64);
        REQUIRE(b.write(pattern(256)));
        b.consume(191);
        b.shrink();
        CHECK(b.capacity() == 256);
        CHECK(copied(b) == pattern(256).substr(191));
    }
    SUBCASE("wrapped data survives shrinking in order") {
        ring r(&pool);
        REQUIRE(r.write(pattern(256)));
        r.consume(250);
        REQUIRE(r.write(pattern(40, 2)));
        REQUIRE_FALSE(r.readable()[1].empty());
        r.shrink(); // 46 <= 64
        CHECK(r.capacity() == 128);
        CHECK(copied(r) == pattern(256).substr(250) + pattern(40, 2));
    }
    SUBCASE("a larger min_capacity is the floor") {
        ring r(&pool, corio::buffer::default_max_size, 256);
        REQUIRE(r.write(pattern(2000)));
        REQUIRE(r.capacity() == 2048);
        r.consume(1990);
        r.shrink();
        CHECK(r.capacity() == 256);
        CHECK(copied(r) == pattern(2000).substr(1990));
    }
    SUBCASE("empty above the minimum: all memory goes") {
        ring r(&pool);
        REQUIRE(r.write(pattern(1000)));
        r.consume(1000);
        r.shrink();
        CHECK(r.capacity() == 0);
        CHECK(pool.outstanding() == 0);
        REQUIRE(r.write("again"));
        CHECK(r.capacity() == 64);
        CHECK(copied(r) == "again");
    }
    SUBCASE("no memory: nothing to do") {
        ring r(&pool);
        r.shrink();
        CHECK(r.capacity() == 0);
    }
}

TEST_CASE("ring: trim frees memory only when empty") {
    block_pool pool(64);
    ring r(&pool);
    r.trim(); // nothing allocated yet
    CHECK(r.capacity() == 0);

    REQUIRE(r.write("data"));
    CHECK(pool.outstanding() == 1);
    r.trim();
    CHECK(r.capacity() == 64);
    CHECK(copied(r) == "data");

    r.consume(4);
    r.trim();
    CHECK(r.capacity() == 0);
    CHECK(r.available() == 0);
    CHECK(pool.outstanding() == 0);
    CHECK(pool.cached() == 1);
    CHECK(r.writable()[0].empty());
    CHECK(r.readable()[0].empty());

    REQUIRE(r.write("more"));
    CHECK(r.capacity() == 64);
    CHECK(pool.outstanding() == 1);
    CHECK(copied(r) == "more");

    REQUIRE(r.write(pattern(1000)));
    r.consume(r.size());
    r.trim();
    CHECK(r.capacity() == 0);
    CHECK(pool.outstanding() == 0);
}

TEST_CASE("ring: memory comes from the pool exactly at the pool's block size") {
    SUBCASE("growing through the block size and shrinking back to it") {
        block_pool pool(256);
        {
            ring r(&pool, corio::buffer::default_max_size, 64);
            const std::string all = pattern(300);
            REQUIRE(r.write(all.substr(0, 10)));
            CHECK(r.capacity() == 64);
            CHECK(pool.outstanding() == 0);
            REQUIRE(r.write(all.substr(10, 90)));
            CHECK(r.capacity() == 128);
            CHECK(pool.outstanding() == 0);
            REQUIRE(r.write(all.substr(100, 100)));
            CHECK(r.capacity() == 256);
            CHECK(pool.outstanding() == 1);
            REQUIRE(r.write(all.substr(200)));
            CHECK(r.capacity() == 512);
            CHECK(pool.outstanding() == 0); // the 256-byte block went back
            CHECK(pool.cached() == 1);
            r.consume(200);
            r.shrink();
            CHECK(r.capacity() == 256);
            CHECK(pool.outstanding() == 1);
            CHECK(pool.cached() == 0);
            CHECK(copied(r) == all.substr(200));
        }
        CHECK(pool.outstanding() == 0); // the destructor gave it back
    }
    SUBCASE("every ring takes its own block") {
        block_pool pool(64);
        ring a(&pool), b(&pool);
        REQUIRE(a.write("a"));
        REQUIRE(b.write("b"));
        CHECK(pool.outstanding() == 2);
        CHECK(a.front().data() != b.front().data());
    }
    SUBCASE("a block size that is not a power of two is never used") {
        block_pool pool(100);
        ring r(&pool);
        REQUIRE(r.write("x"));
        CHECK(r.capacity() == 128);
        CHECK(pool.outstanding() == 0);
    }
}

TEST_CASE("ring: consume keeps earlier views readable") {
    block_pool pool(64);

    SUBCASE("contiguous") {
        ring r(&pool);
        REQUIRE(r.write(pattern(60)));
        const auto views = r.readable();
        const std::string saved(views[0]);
        r.consume(25);
        CHECK(views[0] == saved);
        CHECK(r.front() == saved.substr(25));
        CHECK(r.front().data() == views[0].data() + 25);
        r.consume(35);
        CHECK(r.empty());
        CHECK(views[0] == saved);
        CHECK(r.capacity() == 64);
    }
    SUBCASE("wrapped, consuming into the second view and then everything") {
        ring r(&pool);
        const std::string expected = make_wrapped(r);
        const auto views = r.readable();
        const std::string first(views[0]), second(views[1]);
        REQUIRE(first + second == expected);
        r.consume(40);
        CHECK(views[0] == first);
        CHECK(views[1] == second);
        CHECK(r.front() == expected.substr(40));
        r.consume(r.size());
        CHECK(views[0] == first);
        CHECK(views[1] == second);
        r.shrink(); // at the minimum: no memory moves either
        CHECK(views[0] == first);
    }
}

// ---- Randomized operations against a std::deque<char> model --------------------------------

namespace {

struct ring_config {
    std::uint32_t seed;
    std::size_t block;        // pool block size; 0: no pool
    std::size_t min_capacity; // as passed to the ring
    std::size_t max_size;
    int steps;
};

struct ring_stats {
    int grows = 0, shrinks = 0, frees = 0, cap_refusals = 0, wrapped_reads = 0, wrapped_writes = 0,
        pool_backed = 0, moved_by_linearize = 0;
};

class ring_model_run {
public:
    explicit ring_model_run(const ring_config& cfg)
        : cfg_(cfg), rng_(cfg.seed), unit_(cfg.block ? cfg.block : 64),
          min_(std::bit_ceil(cfg.min_capacity ? cfg.min_capacity
                             : cfg.block      ? cfg.block
                                              : 4096)) {
        if (cfg.block) pool_.emplace(cfg.block);
        r_.emplace(pool_ ? &*pool_ : nullptr, cfg.max_size, cfg.min_capacity);
    }

    ring_stats run() {
        // Phases alternate between filling (toward the cap) and draining (toward shrinking).
        std::discrete_distribution<int> filling({30, 5, 15, 12, 1, 5, 7, 7, 7, 3, 2});
        std::discrete_distribution<int> draining({12, 2, 6, 35, 4, 5, 7, 7, 7, 10, 5});
        for (int step = 0; step < cfg_.steps; ++step) {
            CAPTURE(step);
            const bool drain = (step / 400) % 2 == 1;
            const int op = drain ? draining(rng_) : filling(rng_);
            CAPTURE(op);
            const std::size_t cap_before = r_->capacity();
            switch (op) {
            case 0:
                do_write();
                break;
            case 1:
                do_reserve();
                break;
            case 2:
                do_fill();
                break;
            case 3:
                do_consume(drain ? model_.size() : unit_);
                break;
            case 4:
                do_consume(model_.size());
                break;
            case 5:
                do_linearize();
                break;
            case 6:
                do_copy_out();
                break;
            case 7:
                do_iovecs();
                break;
            case 8:
                do_readable();
                break;
            case 9:
                do_shrink();
                break;
            case 10:
                do_trim();
                break;
            }
            check_invariants();
            if (r_->capacity() > cap_before) ++stats_.grows;
            if (r_->capacity() < cap_before) ++(r_->capacity() ? stats_.shrinks : stats_.frees);
        }
        return stats_;
    }

private:
    std::size_t pick(std::size_t hi) {
        return std::uniform_int_distribution<std::size_t>(0, hi)(rng_);
    }
    std::string random_bytes(std::size_t n) {
        std::string s(n, '\0');
        for (auto& c : s) c = static_cast<char>(pick(255));
        return s;
    }
    std::string model_string() const { return std::string(model_.begin(), model_.end()); }
    bool fits(std::size_t n) const { return n <= cfg_.max_size - model_.size(); }

    // Capacity after making room for n more bytes: doubling from the current capacity (or
    // the minimum when there is no memory) until it fits.
    std::size_t grown(std::size_t n) const {
        std::size_t need = model_.size() + n, cap = r_->capacity();
        if (need <= cap) return cap;
        cap = cap ? cap : min_;
        while (cap < need) cap *= 2;
        return cap;
    }

    void do_write() {
        const std::string data = random_bytes(pick(3 * unit_));
        const bool ok = fits(data.size());
        const std::size_t want = ok ? grown(data.size()) : r_->capacity();
        REQUIRE(r_->write(data) == ok);
        if (ok)
            model_.insert(model_.end(), data.begin(), data.end());
        else
            ++stats_.cap_refusals;
        CHECK(r_->capacity() == want);
    }

    void do_reserve() {
        const std::size_t n = pick(3 * unit_);
        const bool ok = fits(n);
        const std::size_t want = ok ? grown(n) : r_->capacity();
        REQUIRE(r_->reserve(n) == ok);
        if (!ok) ++stats_.cap_refusals;
        CHECK(r_->capacity() == want);
        if (ok) CHECK(r_->available() >= n);
    }

    // writable() + a partial commit(); also scribbles over the uncommitted rest.
    void do_fill() {
        if (pick(1) && fits(unit_)) REQUIRE(r_->reserve(pick(unit_)));
        auto spans = r_->writable();
        REQUIRE(spans[0].size() + spans[1].size() == r_->available());
        if (!spans[1].empty()) {
            REQUIRE_FALSE(spans[0].empty());
            ++stats_.wrapped_writes;
        }
        const std::string bytes = random_bytes(spans[0].size() + spans[1].size());
        if (!spans[0].empty()) std::memcpy(spans[0].data(), bytes.data(), spans[0].size());
        if (!spans[1].empty())
            std::memcpy(spans[1].data(), bytes.data() + spans[0].size(), spans[1].size());
        const std::size_t n = pick(std::min(bytes.size(), cfg_.max_size - model_.size()));
        r_->commit(n);
        model_.insert(model_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    }

    // Consumes up to `limit` bytes, checking that views taken before stay intact.
    void do_consume(std::size_t limit) {
        const std::size_t n = pick(std::min(limit, model_.size()));
        const auto views = r_->readable();
        const std::string first(views[0]), second(views[1]);
        const std::size_t cap = r_->capacity();
        r_->consume(n);
        model_.erase(model_.begin(), model_.begin() + static_cast<std::ptrdiff_t>(n));
        REQUIRE(views[0] == first);
        REQUIRE(views[1] == second);
        CHECK(r_->capacity() == cap);
    }

    void do_linearize() {
        const auto before = r_->readable();
        const std::size_t cap = r_->capacity();
        const std::string_view line = r_->linearize();
        REQUIRE(line == model_string());
        CHECK(r_->capacity() == cap);
        CHECK(r_->readable()[1].empty());
        if (!line.empty()) CHECK(r_->readable()[0].data() == line.data());
        if (before[1].empty())
            CHECK(line.data() == before[0].data());
        else
            ++stats_.moved_by_linearize;
    }

    void do_copy_out() {
        const std::size_t n = pick(model_.size() + 16);
        std::string buf(n + 8, '~');
        const std::size_t got = r_->copy_out(buf.data(), n);
        REQUIRE(got == std::min(n, model_.size()));
        REQUIRE(buf.substr(0, got) == model_string().substr(0, got));
        REQUIRE(buf.substr(got) == std::string(n + 8 - got, '~')); // nothing past the count
    }

    void do_iovecs() {
        const int max = static_cast<int>(pick(3));
        iovec iov[3];
        const int count = r_->iovecs(iov, max);
        REQUIRE(count >= 0);
        REQUIRE(count <= max);
        REQUIRE(count <= 2);
        for (int i = 0; i < count; ++i) REQUIRE(iov[i].iov_len > 0);
        const std::string got = gathered(iov, count);
        REQUIRE(got == model_string().substr(0, got.size()));
        if (max >= 2) REQUIRE(got.size() == model_.size());
        if (max == 1) REQUIRE(got == r_->front());
    }

    void do_readable() {
        const auto views = r_->readable();
        if (!views[1].empty()) {
            REQUIRE_FALSE(views[0].empty());
            // The first view ends at the end of the array, the second starts at its beginning.
            REQUIRE(views[0].data() + views[0].size() == views[1].data() + r_->capacity());
        }
        REQUIRE(r_->front() == views[0]);
    }

    // Expected per the contract: halve toward the minimum while size <= capacity / 4, and free
    // everything when empty above the minimum.
    void do_shrink() {
        const std::size_t size = model_.size();
        std::size_t want = r_->capacity();
        if (want > min_ && size == 0)
            want = 0;
        else
            while (want > min_ && size <= want / 4) want /= 2;
        r_->shrink();
        CHECK(r_->capacity() == want);
    }

    void do_trim() {
        const std::size_t want = model_.empty() ? 0 : r_->capacity();
        r_->trim();
        CHECK(r_->capacity() == want);
    }

    void check_invariants() {
        const ring& r = *r_;
        REQUIRE(r.size() == model_.size());
        REQUIRE(r.empty() == model_.empty());
        REQUIRE(r.size() <= cfg_.max_size);
        const std::size_t cap = r.capacity();
        REQUIRE(cap >= r.size());
        REQUIRE((cap == 0 || std::has_single_bit(cap)));
        if (cap) REQUIRE(cap >= min_);
        REQUIRE(r.available() == cap - r.size());
        REQUIRE(r.full() == (cap == r.size()));
        REQUIRE(joined(r) == model_string());
        if (!r.readable()[1].empty()) ++stats_.wrapped_reads;
        if (pool_) {
            const bool from_pool = cap == cfg_.block;
            REQUIRE(pool_->outstanding() == (from_pool ? 1u : 0u));
            if (from_pool) ++stats_.pool_backed;
        }
    }

    ring_config cfg_;
    std::mt19937 rng_;
    std::size_t unit_;
    std::size_t min_;
    std::optional<block_pool> pool_;
    std::optional<ring> r_;
    std::deque<char> model_;
    ring_stats stats_;
};

void run_ring_model(const ring_config& cfg) {
    CAPTURE(cfg.seed);
    const ring_stats s = ring_model_run(cfg).run();
    // The run must have reached every interesting state, or it proves little.
    CHECK(s.grows > 0);
    CHECK(s.shrinks > 0);
    CHECK(s.frees > 0);
    CHECK(s.cap_refusals > 0);
    CHECK(s.wrapped_reads > 0);
    CHECK(s.wrapped_writes > 0);
    CHECK(s.moved_by_linearize > 0);
    if (cfg.block && std::bit_ceil(cfg.min_capacity ? cfg.min_capacity : cfg.block) <= cfg.block)
        CHECK(s.pool_backed > 0);
}

} // namespace

TEST_CASE("ring: random operations match a deque model") {
    SUBCASE("seed 1: pool 64, default minimum, cap 1000") {
        run_ring_model({1, 64, 0, 1000, 4000});
    }
    SUBCASE("seed 2: pool 128, default minimum, cap 5000") {
        run_ring_model({2, 128, 0, 5000, 4000});
    }
    SUBCASE("seed 3: pool 128, minimum 32, cap 777") {
        run_ring_model({3, 128, 32, 777, 4000});
    }
    SUBCASE("seed 4: pool 64, minimum 256, cap 3000") {
        run_ring_model({4, 64, 256, 3000, 4000});
    }
    SUBCASE("seed 5: no pool, minimum 1, cap 300") {
        run_ring_model({5, 0, 1, 300, 4000});
    }
    SUBCASE("seed 6: pool 256, minimum 16, cap 513") {
        run_ring_model({6, 256, 16, 513, 4000});
    }
}
