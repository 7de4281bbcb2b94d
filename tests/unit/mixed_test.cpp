// Unit and randomized model tests of corio::buffer::mixed, the ring-then-chain outbound buffer.
#include <corio/buffer/mixed.hpp>

#include <doctest/doctest.h>

#include "buffer_test_support.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <sys/uio.h>
#include <vector>

using corio::buffer::block_pool;
using corio::buffer::mixed;

using buffer_test::copied;
using buffer_test::gathered;
using buffer_test::pattern;

namespace {

// Room for every iovec: at most two ring pieces plus one per chain block.
std::vector<iovec> all_iovecs(const mixed& m) {
    std::vector<iovec> iov(m.chain_blocks() + 3);
    iov.resize(static_cast<std::size_t>(m.iovecs(iov.data(), static_cast<int>(iov.size()))));
    return iov;
}

// Bytes of data one chain block holds (see chain_test.cpp).
std::size_t payload_of(block_pool& pool) {
    mixed m(pool, 1);
    REQUIRE(m.write(pattern(pool.block_size())));
    iovec iov[1];
    REQUIRE(m.iovecs(iov, 1) == 1);
    return iov[0].iov_len;
}

} // namespace

TEST_CASE("mixed: an empty buffer holds no memory") {
    block_pool pool(64);
    mixed m(pool);
    CHECK(m.size() == 0);
    CHECK(m.empty());
    CHECK(m.max_size() == corio::buffer::default_max_size);
    CHECK(m.ring_capacity() == 0);
    CHECK(m.chain_blocks() == 0);
    iovec iov[2];
    CHECK(m.iovecs(iov, 2) == 0);
    char x = 'z';
    CHECK(m.copy_out(&x, 1) == 0);
    CHECK(x == 'z');
    m.consume(5);
    CHECK(m.write(""));
    CHECK(m.empty());
    CHECK(pool.outstanding() == 0);
}

TEST_CASE("mixed: small writes stay in the ring") {
    block_pool pool(64);
    mixed m(pool, 256);
    REQUIRE(m.write(pattern(10)));
    CHECK(m.chain_blocks() == 0);
    CHECK(m.ring_capacity() == 64);
    CHECK(pool.outstanding() == 1); // the ring's one block
    REQUIRE(m.write(pattern(90, 1)));
    CHECK(m.ring_capacity() == 128);
    CHECK(pool.outstanding() == 0);    // 128 bytes come from the heap
    REQUIRE(m.write(pattern(156, 2))); // exactly the threshold
    CHECK(m.chain_blocks() == 0);
    CHECK(m.ring_capacity() == 256);
    CHECK(m.size() == 256);
    CHECK(copied(m) == pattern(10) + pattern(90, 1) + pattern(156, 2));
}

TEST_CASE("mixed: past the threshold data goes to the chain, and later writes queue behind it") {
    block_pool pool(64);
    const std::size_t p = payload_of(pool);
    mixed m(pool, 100);
    const std::string a = pattern(80), b = pattern(30, 1), c = pattern(5, 2);

    REQUIRE(m.write(a));
    CHECK(m.chain_blocks() == 0);
    CHECK(m.ring_capacity() == 128);
    REQUIRE(m.write(b)); // 110 > 100: to the chain
    CHECK(m.chain_blocks() == 1);
    CHECK(m.ring_capacity() == 128);
    REQUIRE(m.write(c)); // would fit the ring, but the chain holds data
    CHECK(m.chain_blocks() == (30 + 5 <= p ? 1u : 2u));
    CHECK(m.size() == 115);
    CHECK(copied(m) == a + b + c);

    auto iov = all_iovecs(m);
    REQUIRE(iov.size() >= 2);
    CHECK(iov[0].iov_len == 80); // the ring first, whole
    CHECK(gathered(iov.data(), 1) == a);
    CHECK(gathered(iov.data() + 1, static_cast<int>(iov.size()) - 1) == b + c);

    m.consume(80); // the ring is empty, the chain is not
    const std::string d = "d";
    REQUIRE(m.write(d));
    CHECK(copied(m) == b + c + d);
    iov = all_iovecs(m);
    CHECK(gathered(iov.data(), static_cast<int>(iov.size())) == b + c + d);
    CHECK(iov.size() == m.chain_blocks()); // nothing in the ring

    m.consume(m.size());
    CHECK(m.empty());
    CHECK(m.chain_blocks() == 0);
    REQUIRE(m.write("e")); // the chain is empty again: back to the ring
    CHECK(m.chain_blocks() == 0);
    CHECK(pool.outstanding() == 0); // the ring's 128 bytes are heap memory
    CHECK(copied(m) == "e");
}

TEST_CASE("mixed: a write bigger than the threshold skips the ring") {
    block_pool pool(64);
    const std::size_t p = payload_of(pool);
    mixed m(pool, 100);
    REQUIRE(m.write(pattern(150)));
    CHECK(m.ring_capacity() == 0);
    CHECK(m.chain_blocks() == (150 + p - 1) / p);
    CHECK(pool.outstanding() == m.chain_blocks());
    CHECK(copied(m) == pattern(150));
}

TEST_CASE("mixed: iovecs list the ring first, then the chain") {
    block_pool pool(64);
    const std::size_t p = payload_of(pool);
    mixed m(pool, 64);
    // A wrapped ring: 34 bytes at the end of its 64-byte array, 16 at the start.
    REQUIRE(m.write(pattern(40)));
    m.consume(30);
    REQUIRE(m.write(pattern(40, 1)));
    REQUIRE(m.chain_blocks() == 0);
    REQUIRE(m.ring_capacity() == 64);
    const std::string ring_part = pattern(40).substr(30) + pattern(40, 1);
    const std::string chain_part = pattern(2 * p + 4, 2);
    REQUIRE(m.write(chain_part));
    REQUIRE(m.chain_blocks() == 3);
    const std::string all = ring_part + chain_part;

    iovec iov[8];
    REQUIRE(m.iovecs(iov, 8) == 5);
    CHECK(iov[0].iov_len == 34);
    CHECK(iov[1].iov_len == 16);
    CHECK(iov[2].iov_len == p);
    CHECK(iov[3].iov_len == p);
    CHECK(iov[4].iov_len == 4);
    CHECK(gathered(iov, 5) == all);

    CHECK(m.iovecs(iov, 0) == 0);
    CHECK(m.iovecs(iov, 1) == 1);
    CHECK(gathered(iov, 1) == all.substr(0, 34));
    CHECK(m.iovecs(iov, 2) == 2);
    CHECK(gathered(iov, 2) == ring_part);
    CHECK(m.iovecs(iov, 3) == 3);
    CHECK(gathered(iov, 3) == all.substr(0, 50 + p));

    std::string buf(60, '\0');
    CHECK(m.copy_out(buf.data(), 60) == 60); // from the ring into the chain
    CHECK(buf == all.substr(0, 60));

    m.consume(45); // into the ring's second piece
    CHECK(copied(m) == all.substr(45));
    m.consume(10); // across from the ring into the chain
    CHECK(copied(m) == all.substr(55));
    REQUIRE(m.iovecs(iov, 8) == 3);
    CHECK(iov[0].iov_len == p - 5);
}

TEST_CASE("mixed: max_size caps the whole buffer") {
    block_pool pool(64);

    SUBCASE("in the chain") {
        mixed m(pool, 100, 300);
        CHECK(m.max_size() == 300);
        REQUIRE(m.write(pattern(250)));
        const std::size_t blocks = m.chain_blocks();
        CHECK_FALSE(m.write(pattern(51, 1)));
        CHECK(m.size() == 250);
        CHECK(m.chain_blocks() == blocks);
        CHECK(copied(m) == pattern(250));
        CHECK(m.write(pattern(50, 1)));
        CHECK(m.size() == 300);
        CHECK(m.write(""));
        CHECK_FALSE(m.write("x"));
        CHECK(copied(m) == pattern(250) + pattern(50, 1));
        m.consume(300);
        CHECK(m.write(pattern(300, 2)));
        CHECK_FALSE(m.write("y"));
    }
    SUBCASE("across ring and chain") {
        mixed m(pool, 100, 150);
        REQUIRE(m.write(pattern(80)));
        CHECK_FALSE(m.write(pattern(71, 1)));
        CHECK(m.chain_blocks() == 0);
        CHECK(copied(m) == pattern(80));
        CHECK(m.write(pattern(70, 1)));
        CHECK(m.size() == 150);
        CHECK_FALSE(m.write("z"));
        CHECK(copied(m) == pattern(80) + pattern(70, 1));
    }
    SUBCASE("a threshold above the cap") {
        mixed m(pool, 1000, 100);
        CHECK_FALSE(m.write(pattern(101)));
        CHECK(m.ring_capacity() == 0);
        CHECK(pool.outstanding() == 0);
        CHECK(m.write(pattern(100)));
        CHECK(m.chain_blocks() == 0);
        CHECK_FALSE(m.write("z"));
    }
}

TEST_CASE("mixed: a threshold of zero still keeps one byte in the ring") {
    block_pool pool(64);
    mixed m(pool, 0);
    REQUIRE(m.write("a"));
    CHECK(m.chain_blocks() == 0);
    CHECK(m.ring_capacity() == 64);
    REQUIRE(m.write("b"));
    CHECK(m.chain_blocks() == 1);
    CHECK(copied(m) == "ab");
}

TEST_CASE("mixed: shrink and trim give ring memory back") {
    block_pool pool(64);
    mixed m(pool, 4096);
    REQUIRE(m.write(pattern(1000)));
    REQUIRE(m.ring_capacity() == 1024);
    m.consume(990);
    m.shrink();
    CHECK(m.ring_capacity() == 64);
    CHECK(pool.outstanding() == 1);
    CHECK(copied(m) == pattern(1000).substr(990));
    m.trim(); // holds data: no-op
    CHECK(m.ring_capacity() == 64);
    m.consume(10);
    m.trim();
    CHECK(m.ring_capacity() == 0);
    CHECK(pool.outstanding() == 0);

    REQUIRE(m.write(pattern(2000)));
    REQUIRE(m.ring_capacity() == 2048);
    m.consume(2000);
    m.shrink(); // empty above the minimum
    CHECK(m.ring_capacity() == 0);
    REQUIRE(m.write("again"));
    CHECK(copied(m) == "again");
}

TEST_CASE("mixed: destruction gives every block back") {
    block_pool pool(64);
    {
        mixed m(pool, 40);
        REQUIRE(m.write(pattern(30)));
        REQUIRE(m.write(pattern(500, 1)));
        CHECK(pool.outstanding() == m.chain_blocks() + 1);
    }
    CHECK(pool.outstanding() == 0);
}

// ---- Randomized operations against a std::deque<char> model --------------------------------

namespace {

struct mixed_config {
    std::uint32_t seed;
    std::size_t block;
    std::size_t threshold;
    std::size_t max_size;
    int steps;
};

struct mixed_stats {
    int to_ring = 0, to_chain = 0, behind_chain = 0, cap_refusals = 0, both_parts = 0,
        ring_freed = 0, ring_shrunk = 0;
};

class mixed_model_run {
public:
    explicit mixed_model_run(const mixed_config& cfg)
        : cfg_(cfg), rng_(cfg.seed), pool_(cfg.block, 4), payload_(payload_of(pool_)),
          limit_(std::max<std::size_t>(cfg.threshold, 1)), m_(pool_, cfg.threshold, cfg.max_size) {}

    mixed_stats run() {
        // Ops: small write, big write, consume, copy_out, iovecs, shrink, trim.
        std::discrete_distribution<int> filling({25, 20, 15, 8, 8, 3, 2});
        std::discrete_distribution<int> draining({10, 5, 45, 8, 8, 8, 6});
        for (int step = 0; step < cfg_.steps; ++step) {
            CAPTURE(step);
            const bool drain = (step / 300) % 2 == 1;
            const int op = drain ? draining(rng_) : filling(rng_);
            CAPTURE(op);
            switch (op) {
            case 0:
                do_write(pick(limit_ / 2 + 1));
                break;
            case 1:
                do_write(pick(3 * cfg_.block));
                break;
            case 2:
                do_consume(drain ? model_.size() : 2 * cfg_.block);
                break;
            case 3:
                do_copy_out();
                break;
            case 4:
                do_iovecs();
                break;
            case 5:
                do_shrink();
                break;
            case 6:
                do_trim();
                break;
            }
            check_invariants();
        }
        return stats_;
    }

private:
    std::size_t pick(std::size_t hi) {
        return std::uniform_int_distribution<std::size_t>(0, hi)(rng_);
    }
    std::string model_string() const { return std::string(model_.begin(), model_.end()); }

    void do_write(std::size_t n) {
        std::string data(n, '\0');
        for (auto& ch : data) ch = static_cast<char>(pick(255));
        const bool ok = n <= cfg_.max_size - model_.size();
        REQUIRE(m_.write(data) == ok);
        if (!ok) {
            ++stats_.cap_refusals;
            return;
        }
        model_.insert(model_.end(), data.begin(), data.end());
        if (chain_bytes_ == 0 && n <= limit_ - ring_bytes_) {
            ring_bytes_ += n;
            ++stats_.to_ring;
        } else {
            if (chain_bytes_ > 0 && n <= limit_ - ring_bytes_) ++stats_.behind_chain;
            chain_bytes_ += n;
            ++stats_.to_chain;
        }
    }

    void do_consume(std::size_t limit) {
        const std::size_t n = pick(std::min(limit, model_.size()));
        m_.consume(n);
        model_.erase(model_.begin(), model_.begin() + static_cast<std::ptrdiff_t>(n));
        const std::size_t from_ring = std::min(n, ring_bytes_);
        ring_bytes_ -= from_ring;
        chain_bytes_ -= n - from_ring;
    }

    void do_copy_out() {
        const std::size_t n = pick(model_.size() + 16);
        std::string buf(n + 8, '~');
        const std::size_t got = m_.copy_out(buf.data(), n);
        REQUIRE(got == std::min(n, model_.size()));
        REQUIRE(buf.substr(0, got) == model_string().substr(0, got));
        REQUIRE(buf.substr(got) == std::string(n + 8 - got, '~')); // nothing past the count
    }

    void do_iovecs() {
        const int max = static_cast<int>(pick(m_.chain_blocks() + 3));
        std::vector<iovec> iov(static_cast<std::size_t>(max) + 1);
        const int count = m_.iovecs(iov.data(), max);
        REQUIRE(count >= 0);
        REQUIRE(count <= max);
        const std::string got = gathered(iov.data(), count);
        REQUIRE(got == model_string().substr(0, got.size()));
        if (count < max) REQUIRE(got.size() == model_.size());
    }

    // The ring part shrinks per ring::shrink, its minimum being the pool's block size.
    void do_shrink() {
        const std::size_t before = m_.ring_capacity();
        std::size_t want = before;
        if (want > cfg_.block && ring_bytes_ == 0)
            want = 0;
        else
            while (want > cfg_.block && ring_bytes_ <= want / 4) want /= 2;
        m_.shrink();
        CHECK(m_.ring_capacity() == want);
        if (want < before) ++(want ? stats_.ring_shrunk : stats_.ring_freed);
    }

    void do_trim() {
        const std::size_t before = m_.ring_capacity();
        const std::size_t want = ring_bytes_ == 0 ? 0 : before;
        m_.trim();
        CHECK(m_.ring_capacity() == want);
        if (want < before) ++stats_.ring_freed;
    }

    void check_invariants() {
        REQUIRE(m_.size() == model_.size());
        REQUIRE(m_.empty() == model_.empty());
        REQUIRE(m_.size() <= cfg_.max_size);
        REQUIRE(ring_bytes_ + chain_bytes_ == model_.size());
        if (ring_bytes_ && chain_bytes_) ++stats_.both_parts;

        const std::size_t ring_cap = m_.ring_capacity(), blocks = m_.chain_blocks();
        REQUIRE(ring_cap >= ring_bytes_);
        REQUIRE((ring_cap == 0 || (std::has_single_bit(ring_cap) && ring_cap >= cfg_.block)));
        REQUIRE((blocks == 0) == (chain_bytes_ == 0));
        const std::size_t full = (chain_bytes_ + payload_ - 1) / payload_;
        REQUIRE(blocks >= full);
        REQUIRE(blocks <= full + 1);
        REQUIRE(pool_.outstanding() == blocks + (ring_cap == cfg_.block ? 1 : 0));

        // All data in order, the ring's bytes first: the first one or two iovecs (none when
        // the ring is empty) hold exactly the ring part, then one per chain block.
        const auto iov = all_iovecs(m_);
        REQUIRE(gathered(iov.data(), static_cast<int>(iov.size())) == model_string());
        std::size_t ring_pieces = 0, ring_len = 0;
        while (ring_len < ring_bytes_ && ring_pieces < iov.size())
            ring_len += iov[ring_pieces++].iov_len;
        REQUIRE(ring_len == ring_bytes_);
        REQUIRE(ring_pieces <= 2);
        REQUIRE(iov.size() - ring_pieces == blocks);
        REQUIRE(copied(m_) == model_string());
    }

    mixed_config cfg_;
    std::mt19937 rng_;
    block_pool pool_;
    std::size_t payload_;
    std::size_t limit_; // what the ring may hold
    mixed m_;
    std::deque<char> model_;
    std::size_t ring_bytes_ = 0, chain_bytes_ = 0;
    mixed_stats stats_;
};

void run_mixed_model(const mixed_config& cfg) {
    CAPTURE(cfg.seed);
    const mixed_stats s = mixed_model_run(cfg).run();
    CHECK(s.to_ring > 0);
    CHECK(s.to_chain > 0);
    CHECK(s.behind_chain > 0);
    CHECK(s.cap_refusals > 0);
    CHECK(s.both_parts > 0);
    CHECK(s.ring_freed > 0);
    if (cfg.threshold > 2 * cfg.block) CHECK(s.ring_shrunk > 0);
}

} // namespace

TEST_CASE("mixed: random operations match a deque model") {
    SUBCASE("seed 21: block 64, threshold 300, cap 1500") {
        run_mixed_model({21, 64, 300, 1500, 4000});
    }
    SUBCASE("seed 22: block 128, threshold 600, cap 3000") {
        run_mixed_model({22, 128, 600, 3000, 4000});
    }
    SUBCASE("seed 23: block 64, threshold 40, cap 800") {
        run_mixed_model({23, 64, 40, 800, 4000});
    }
    SUBCASE("seed 24: block 256, threshold 2000, cap 5000") {
        run_mixed_model({24, 256, 2000, 5000, 4000});
    }
}
