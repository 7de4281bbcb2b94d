// Unit and randomized model tests of corio::buffer::chain, the queue of pool blocks.
#include <corio/buffer/chain.hpp>

#include <doctest/doctest.h>

#include "buffer_test_support.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <random>
#include <set>
#include <string>
#include <sys/uio.h>
#include <vector>

using corio::buffer::block_pool;
using corio::buffer::chain;

using buffer_test::copied;
using buffer_test::gathered;
using buffer_test::pattern;

namespace {

std::vector<iovec> all_iovecs(const chain& c) {
    std::vector<iovec> iov(c.block_count() + 1);
    iov.resize(static_cast<std::size_t>(c.iovecs(iov.data(), static_cast<int>(iov.size()))));
    return iov;
}

// Bytes of data one block holds: the block size minus the chain's header.
std::size_t payload_of(std::size_t block_size) {
    block_pool pool(block_size);
    chain c(pool);
    REQUIRE(c.write(pattern(block_size)));
    iovec iov[1];
    REQUIRE(c.iovecs(iov, 1) == 1);
    return iov[0].iov_len;
}

} // namespace

TEST_CASE("chain: block payload is the block size minus a fixed header") {
    const std::size_t p64 = payload_of(64), p128 = payload_of(128);
    CHECK(p64 < 64);
    CHECK(p64 >= 32);
    CHECK(p128 == p64 + 64);
}

TEST_CASE("chain: an empty chain holds no blocks") {
    block_pool pool(64);
    chain c(pool);
    CHECK(c.size() == 0);
    CHECK(c.empty());
    CHECK(c.block_count() == 0);
    CHECK(c.max_size() == corio::buffer::default_max_size);
    iovec iov[2];
    CHECK(c.iovecs(iov, 2) == 0);
    char x = 'z';
    CHECK(c.copy_out(&x, 1) == 0);
    CHECK(x == 'z');
    c.consume(0);
    c.consume(10);
    CHECK(c.empty());
    CHECK(c.write(""));
    CHECK(c.block_count() == 0);
    CHECK(pool.outstanding() == 0);
}

TEST_CASE("chain: writes fill blocks in order") {
    block_pool pool(64);
    const std::size_t p = payload_of(64);
    chain c(pool);
    const std::string data = pattern(3 * p + 5);
    REQUIRE(c.write(data));
    CHECK(c.size() == data.size());
    CHECK(c.block_count() == 4);
    CHECK(pool.outstanding() == 4);

    iovec iov[8];
    REQUIRE(c.iovecs(iov, 8) == 4);
    CHECK(iov[0].iov_len == p);
    CHECK(iov[1].iov_len == p);
    CHECK(iov[2].iov_len == p);
    CHECK(iov[3].iov_len == 5);
    CHECK(gathered(iov, 4) == data);
    std::set<void*> bases;
    for (int i = 0; i < 4; ++i) bases.insert(iov[i].iov_base);
    CHECK(bases.size() == 4); // four distinct blocks

    std::string part(p + 3, '\0');
    CHECK(c.copy_out(part.data(), part.size()) == p + 3); // crosses a block boundary
    CHECK(part == data.substr(0, p + 3));
    CHECK(copied(c) == data);

    // The tail block is filled before a new one is taken.
    const std::string more = pattern(p - 5, 1);
    REQUIRE(c.write(more));
    CHECK(c.block_count() == 4);
    REQUIRE(c.write("!"));
    CHECK(c.block_count() == 5);
    CHECK(pool.outstanding() == 5);
    CHECK(copied(c) == data + more + "!");
}

TEST_CASE("chain: many small writes share blocks") {
    block_pool pool(64);
    const std::size_t p = payload_of(64);
    chain c(pool);
    std::string expected;
    for (std::size_t i = 0; i < 3 * p; ++i) {
        const std::string one(1, static_cast<char>('a' + i % 26));
        REQUIRE(c.write(one));
        expected += one;
        CHECK(c.block_count() == (i / p) + 1);
    }
    CHECK(copied(c) == expected);
    const auto iov = all_iovecs(c);
    REQUIRE(iov.size() == 3);
    CHECK(gathered(iov.data(), 3) == expected);
}

TEST_CASE("chain: iovecs never exports more than max, in order") {
    block_pool pool(64);
    const std::size_t p = payload_of(64);
    chain c(pool);
    const std::string data = pattern(5 * p + 7);
    REQUIRE(c.write(data));
    REQUIRE(c.block_count() == 6);

    for (int max = 0; max <= 8; ++max) {
        CAPTURE(max);
        iovec iov[9];
        const int count = c.iovecs(iov, max);
        CHECK(count == std::min(max, 6));
        const std::string got = gathered(iov, count);
        CHECK(got == data.substr(0, got.size()));
        CHECK(got.size() ==
              std::min<std::size_t>(static_cast<std::size_t>(count) * p, data.size()));
    }

    // After a partial consume the first iovec starts inside the head block.
    c.consume(p / 2);
    iovec iov[3];
    REQUIRE(c.iovecs(iov, 3) == 3);
    CHECK(iov[0].iov_len == p - p / 2);
    CHECK(iov[1].iov_len == p);
    CHECK(gathered(iov, 3) == data.substr(p / 2, 3 * p - p / 2));
}

TEST_CASE("chain: consume across block boundaries gives blocks back to the pool") {
    block_pool pool(64, 16);
    const std::size_t p = payload_of(64);

    SUBCASE("step by step") {
        chain c(pool);
        const std::string data = pattern(4 * p);
        REQUIRE(c.write(data));
        REQUIRE(pool.outstanding() == 4);

        c.consume(0);
        CHECK(c.block_count() == 4);
        c.consume(p / 2); // inside the first block
        CHECK(c.block_count() == 4);
        CHECK(pool.outstanding() == 4);
        CHECK(copied(c) == data.substr(p / 2));
        c.consume(p - p / 2); // exactly to its end
        CHECK(c.block_count() == 3);
        CHECK(pool.outstanding() == 3);
        CHECK(pool.cached() == 1);
        CHECK(copied(c) == data.substr(p));
        c.consume(p + 3); // across one boundary
        CHECK(c.block_count() == 2);
        CHECK(pool.outstanding() == 2);
        CHECK(c.size() == 2 * p - 3);
        CHECK(copied(c) == data.substr(2 * p + 3));
        c.consume(c.size());
        CHECK(c.empty());
        CHECK(c.block_count() == 0);
        CHECK(pool.outstanding() == 0);
        CHECK(pool.cached() == 4);

        // Writing again reuses cached blocks and starts them from their beginning.
        REQUIRE(c.write(pattern(p, 2)));
        CHECK(c.block_count() == 1);
        CHECK(pool.cached() == 3);
        CHECK(copied(c) == pattern(p, 2));
    }
    SUBCASE("many boundaries in one call") {
        chain c(pool);
        const std::string data = pattern(5 * p + 7);
        REQUIRE(c.write(data));
        c.consume(4 * p + 1);
        CHECK(c.block_count() == 2);
        CHECK(pool.outstanding() == 2);
        CHECK(copied(c) == data.substr(4 * p + 1));
        c.consume(1000); // more than size(): everything
        CHECK(c.empty());
        CHECK(pool.outstanding() == 0);
    }
    SUBCASE("a partly consumed tail block keeps filling") {
        chain c(pool);
        REQUIRE(c.write(pattern(10)));
        c.consume(4);
        REQUIRE(c.write(pattern(p - 10, 3))); // fills the block exactly
        CHECK(c.block_count() == 1);
        CHECK(copied(c) == pattern(10).substr(4) + pattern(p - 10, 3));
        REQUIRE(c.write("z"));
        CHECK(c.block_count() == 2);
        c.consume(p - 4); // the whole first block
        CHECK(c.block_count() == 1);
        CHECK(copied(c) == "z");
    }
}

TEST_CASE("chain: max_size caps writes") {
    block_pool pool(64);

    SUBCASE("exact cap, refusals change nothing") {
        chain c(pool, 100);
        CHECK(c.max_size() == 100);
        REQUIRE(c.write(pattern(100)));
        const std::size_t blocks = c.block_count();
        CHECK_FALSE(c.write("x"));
        CHECK(c.size() == 100);
        CHECK(c.block_count() == blocks);
        CHECK(pool.outstanding() == blocks);
        CHECK(copied(c) == pattern(100));
        c.consume(30);
        CHECK_FALSE(c.write(pattern(31, 1)));
        CHECK(copied(c) == pattern(100).substr(30));
        CHECK(c.write(pattern(30, 1)));
        CHECK(c.size() == 100);
        CHECK(copied(c) == pattern(100).substr(30) + pattern(30, 1));
        CHECK(c.write(""));
        CHECK_FALSE(c.write("y"));
    }
    SUBCASE("an oversized write on an empty chain takes no block") {
        chain c(pool, 100);
        CHECK_FALSE(c.write(pattern(101)));
        CHECK(c.empty());
        CHECK(c.block_count() == 0);
        CHECK(pool.outstanding() == 0);
    }
}

TEST_CASE("chain: clear and destruction give every block back") {
    block_pool pool(128, 0);
    {
        chain a(pool), b(pool);
        REQUIRE(a.write(pattern(500)));
        REQUIRE(b.write(pattern(300)));
        CHECK(pool.outstanding() == a.block_count() + b.block_count());
        a.clear();
        CHECK(a.empty());
        CHECK(a.block_count() == 0);
        CHECK(pool.outstanding() == b.block_count());
        CHECK(copied(b) == pattern(300));
    }
    CHECK(pool.outstanding() == 0);
    CHECK(pool.cached() == 0);
}

// ---- Randomized operations against a std::deque<char> model --------------------------------

namespace {

struct chain_config {
    std::uint32_t seed;
    std::size_t block;
    std::size_t max_size;
    int steps;
};

struct chain_stats {
    int cap_refusals = 0, released_mid = 0, boundary_consumes = 0;
    std::size_t most_blocks = 0;
};

class chain_model_run {
public:
    explicit chain_model_run(const chain_config& cfg)
        : cfg_(cfg), rng_(cfg.seed), payload_(payload_of(cfg.block)), pool_(cfg.block, 4),
          c_(pool_, cfg.max_size) {}

    chain_stats run() {
        // Phases alternate between filling (toward the cap) and draining.
        std::discrete_distribution<int> filling({40, 15, 1, 8, 8, 1});
        std::discrete_distribution<int> draining({15, 50, 4, 8, 8, 2});
        for (int step = 0; step < cfg_.steps; ++step) {
            CAPTURE(step);
            const bool drain = (step / 300) % 2 == 1;
            const int op = drain ? draining(rng_) : filling(rng_);
            CAPTURE(op);
            switch (op) {
            case 0:
                do_write();
                break;
            case 1:
                do_consume(drain ? model_.size() : 2 * cfg_.block);
                break;
            case 2:
                do_consume(model_.size() + 10);
                break;
            case 3:
                do_copy_out();
                break;
            case 4:
                do_iovecs();
                break;
            case 5:
                c_.clear();
                model_.clear();
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

    void do_write() {
        std::string data(pick(3 * cfg_.block), '\0');
        for (auto& ch : data) ch = static_cast<char>(pick(255));
        const bool ok = data.size() <= cfg_.max_size - model_.size();
        REQUIRE(c_.write(data) == ok);
        if (ok)
            model_.insert(model_.end(), data.begin(), data.end());
        else
            ++stats_.cap_refusals;
    }

    void do_consume(std::size_t limit) {
        const std::size_t n = pick(limit);
        const std::size_t blocks = c_.block_count();
        const std::size_t head_room = model_.empty() ? 0 : all_iovecs(c_)[0].iov_len;
        c_.consume(n);
        model_.erase(model_.begin(),
                     model_.begin() + static_cast<std::ptrdiff_t>(std::min(n, model_.size())));
        if (n > head_room && !model_.empty()) ++stats_.boundary_consumes;
        if (c_.block_count() < blocks && !model_.empty()) ++stats_.released_mid;
    }

    void do_copy_out() {
        const std::size_t n = pick(model_.size() + 16);
        std::string buf(n + 8, '~');
        const std::size_t got = c_.copy_out(buf.data(), n);
        REQUIRE(got == std::min(n, model_.size()));
        REQUIRE(buf.substr(0, got) == model_string().substr(0, got));
        REQUIRE(buf.substr(got) == std::string(n + 8 - got, '~')); // nothing past the count
    }

    void do_iovecs() {
        const int max = static_cast<int>(pick(c_.block_count() + 2));
        std::vector<iovec> iov(static_cast<std::size_t>(max) + 1);
        const int count = c_.iovecs(iov.data(), max);
        REQUIRE(count == std::min(max, static_cast<int>(c_.block_count())));
        const std::string got = gathered(iov.data(), count);
        REQUIRE(got == model_string().substr(0, got.size()));
    }

    void check_invariants() {
        REQUIRE(c_.size() == model_.size());
        REQUIRE(c_.empty() == model_.empty());
        REQUIRE(c_.size() <= cfg_.max_size);
        const std::size_t blocks = c_.block_count();
        REQUIRE(pool_.outstanding() == blocks);
        // Only the head and tail blocks may be partly used.
        const std::size_t full = (model_.size() + payload_ - 1) / payload_;
        REQUIRE(blocks >= full);
        REQUIRE(blocks <= full + (model_.empty() ? 0 : 1));
        const auto iov = all_iovecs(c_);
        REQUIRE(iov.size() == blocks);
        for (std::size_t i = 0; i < iov.size(); ++i) {
            REQUIRE(iov[i].iov_len > 0);
            REQUIRE(iov[i].iov_len <= payload_);
            if (i > 0 && i + 1 < iov.size()) REQUIRE(iov[i].iov_len == payload_);
        }
        REQUIRE(gathered(iov.data(), static_cast<int>(iov.size())) == model_string());
        REQUIRE(copied(c_) == model_string());
        stats_.most_blocks = std::max(stats_.most_blocks, blocks);
    }

    chain_config cfg_;
    std::mt19937 rng_;
    std::size_t payload_;
    block_pool pool_;
    chain c_;
    std::deque<char> model_;
    chain_stats stats_;
};

void run_chain_model(const chain_config& cfg) {
    CAPTURE(cfg.seed);
    const chain_stats s = chain_model_run(cfg).run();
    CHECK(s.cap_refusals > 0);
    CHECK(s.released_mid > 0);
    CHECK(s.boundary_consumes > 0);
    CHECK(s.most_blocks >= 8);
}

} // namespace

TEST_CASE("chain: random operations match a deque model") {
    SUBCASE("seed 11: block 64, cap 2000") {
        run_chain_model({11, 64, 2000, 4000});
    }
    SUBCASE("seed 12: block 128, cap 4000") {
        run_chain_model({12, 128, 4000, 4000});
    }
    SUBCASE("seed 13: block 64, cap 700") {
        run_chain_model({13, 64, 700, 4000});
    }
    SUBCASE("seed 14: block 256, cap 10000") {
        run_chain_model({14, 256, 10000, 4000});
    }
}
