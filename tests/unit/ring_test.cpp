#include <corio/buffer/ring.hpp>
#include <doctest/doctest.h>

TEST_CASE("ring smoke") {
    corio::buffer::block_pool pool;
    corio::buffer::ring r(&pool);
    CHECK(r.write("hello"));
    CHECK(r.linearize() == "hello");
}
