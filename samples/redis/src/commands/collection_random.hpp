// What HRANDFIELD, SRANDMEMBER and SPOP share: a random element of a hash's or a set's table,
// and several distinct ones, on the loop's own random generator. Shard loop only.
#pragma once

#include <cstddef>
#include <iterator>
#include <random>
#include <unordered_set>
#include <utility>
#include <vector>

namespace corio_redis {

/// This thread's generator for random elements.
inline std::mt19937_64& collection_rng() {
    static thread_local std::mt19937_64 g{std::random_device{}()};
    return g;
}

/// A random element of a non-empty table (std::unordered_map or set). Probes random buckets
/// while the table is dense enough for that to pay; otherwise (or if probing is unlucky)
/// walks to a random position.
template <class Table>
const typename Table::value_type* random_element(const Table& t) {
    auto& g = collection_rng();
    const std::size_t buckets = t.bucket_count();
    if (t.size() * 8 >= buckets) {
        for (int tries = 0; tries < 64; ++tries) {
            std::size_t b = g() % buckets;
            std::size_t n = t.bucket_size(b);
            if (n == 0) continue;
            auto it = t.begin(b);
            std::advance(it, static_cast<std::ptrdiff_t>(g() % n));
            return &*it;
        }
    }
    auto it = t.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(g() % t.size()));
    return &*it;
}

/// `count` distinct random elements of t (count < t.size()).
template <class Table>
std::vector<const typename Table::value_type*> distinct_elements(const Table& t,
                                                                 std::size_t count) {
    using element_ptr = const typename Table::value_type*;
    std::vector<element_ptr> out;
    if (count * 3 > t.size()) {
        // Many of them: shuffle the first `count` of all the elements into place.
        out.reserve(t.size());
        for (auto& e : t) out.push_back(&e);
        auto& g = collection_rng();
        for (std::size_t i = 0; i < count; ++i) {
            std::size_t j = i + static_cast<std::size_t>(g() % (out.size() - i));
            std::swap(out[i], out[j]);
        }
        out.resize(count);
        return out;
    }
    // Few of them: draw until enough distinct ones came up.
    std::unordered_set<element_ptr> seen;
    out.reserve(count);
    while (out.size() < count) {
        element_ptr p = random_element(t);
        if (seen.insert(p).second) out.push_back(p);
    }
    return out;
}

} // namespace corio_redis
