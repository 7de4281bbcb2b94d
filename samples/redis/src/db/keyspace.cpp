// The key table; see keyspace.hpp.
#include "keyspace.hpp"

#include <functional>
#include <limits>
#include <new>
#include <stdexcept>

namespace corio_redis::db {
namespace {

constexpr std::size_t min_buckets = 4;

std::uint64_t reverse_bits(std::uint64_t v) noexcept {
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
    v = ((v >> 8) & 0x00FF00FF00FF00FFull) | ((v & 0x00FF00FF00FF00FFull) << 8);
    v = ((v >> 16) & 0x0000FFFF0000FFFFull) | ((v & 0x0000FFFF0000FFFFull) << 16);
    return (v >> 32) | (v << 32);
}

std::size_t power_of_two_at_least(std::size_t n) noexcept {
    std::size_t p = min_buckets;
    while (p < n) p *= 2;
    return p;
}

} // namespace

std::size_t keyspace::hash(std::string_view key) noexcept {
    return std::hash<std::string_view>{}(key);
}

keyspace::node* keyspace::make_node(std::string_view key) {
    if (key.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("key longer than 4 GiB");
    unsigned char length[5];
    std::size_t length_bytes = 0;
    for (std::size_t v = key.size();; v >>= 7) {
        length[length_bytes++] = static_cast<unsigned char>((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        if (v < 0x80) break;
    }
    const std::uint32_t never = 0;
    void* memory = ::operator new(sizeof(node) + sizeof never + length_bytes + key.size());
    node* n = new (memory) node();
    char* bytes = n->bytes();
    std::memcpy(bytes, &never, sizeof never);
    std::memcpy(bytes + sizeof never, length, length_bytes);
    if (!key.empty()) std::memcpy(bytes + sizeof never + length_bytes, key.data(), key.size());
    return n;
}

void keyspace::free_node(node* n) noexcept {
    n->~node();
    ::operator delete(n);
}

entry* keyspace::find(std::string_view key) const noexcept {
    if (!buckets_) return nullptr;
    for (node* n = buckets_[hash(key) & mask_]; n; n = n->next)
        if (n->key() == key) return n;
    return nullptr;
}

entry& keyspace::find_or_insert(std::string_view key, bool& created) {
    const std::size_t h = hash(key);
    if (buckets_) {
        for (node* n = buckets_[h & mask_]; n; n = n->next) {
            if (n->key() == key) {
                created = false;
                return *n;
            }
        }
    }
    // Grow at one key per bucket on average, as Redis's dict does.
    if (size_ + 1 > bucket_count()) resize(buckets_ ? bucket_count() * 2 : min_buckets);
    node* n = make_node(key);
    node*& head = buckets_[h & mask_];
    n->next = head;
    head = n;
    ++size_;
    created = true;
    return *n;
}

bool keyspace::erase(std::string_view key) noexcept {
    if (!buckets_) return false;
    node** link = &buckets_[hash(key) & mask_];
    for (node* n = *link; n; link = &n->next, n = n->next) {
        if (n->key() != key) continue;
        *link = n->next;
        free_node(n);
        --size_;
        shrink_if_sparse();
        return true;
    }
    return false;
}

void keyspace::clear() noexcept {
    for (std::size_t b = 0; b < bucket_count(); ++b) {
        for (node* n = buckets_[b]; n;) {
            node* next = n->next;
            free_node(n);
            n = next;
        }
    }
    delete[] buckets_;
    buckets_ = nullptr;
    mask_ = 0;
    size_ = 0;
}

// Redis's SCAN increment: add one to the reversed cursor, counting only the bits of the mask.
// Buckets are visited high bit first, so after a resize the buckets a smaller or larger table
// maps the visited ones to are exactly the visited ones.
std::uint64_t keyspace::next_cursor(std::uint64_t cursor) const noexcept {
    std::uint64_t v = cursor | ~static_cast<std::uint64_t>(mask_);
    v = reverse_bits(v);
    ++v;
    return reverse_bits(v);
}

void keyspace::resize(std::size_t buckets) {
    node** fresh = new node*[buckets]();
    const std::size_t mask = buckets - 1;
    for (std::size_t b = 0; b < bucket_count(); ++b) {
        for (node* n = buckets_[b]; n;) {
            node* next = n->next;
            node*& head = fresh[hash(n->key()) & mask];
            n->next = head;
            head = n;
            n = next;
        }
    }
    delete[] buckets_;
    buckets_ = fresh;
    mask_ = mask;
}

// Shrink below a tenth full (Redis's threshold), so that walks (SCAN, expiry sampling,
// RANDOMKEY) over a table emptied by deletes stay short. Allocation failure leaves it as is.
void keyspace::shrink_if_sparse() noexcept {
    if (bucket_count() <= min_buckets || size_ * 10 >= bucket_count()) return;
    try {
        resize(power_of_two_at_least(size_));
    } catch (const std::bad_alloc&) {
    }
}

} // namespace corio_redis::db
