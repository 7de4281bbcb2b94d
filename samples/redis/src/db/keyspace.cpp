// The key table; see keyspace.hpp.
#include "keyspace.hpp"

#include <functional>
#include <limits>
#include <new>
#include <stdexcept>

namespace corio_redis::db {
namespace {

constexpr std::size_t min_buckets = 4;
// Empty old buckets one step may pass over, as Redis bounds its rehash step.
constexpr std::size_t empty_visits_per_step = 10;

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

keyspace::node* keyspace::make_node(std::string_view key) const {
    if (key.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("key longer than 4 GiB");
    unsigned char length[5];
    std::size_t length_bytes = 0;
    for (std::size_t v = key.size();; v >>= 7) {
        length[length_bytes++] = static_cast<unsigned char>((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        if (v < 0x80) break;
    }
    const std::uint32_t never = 0;
    const std::size_t header = sizeof never + 1; // access time, epoch
    void* memory = ::operator new(sizeof(node) + header + length_bytes + key.size());
    node* n = new (memory) node();
    char* bytes = n->bytes();
    std::memcpy(bytes, &never, sizeof never);
    bytes[sizeof never] = static_cast<char>(epoch_);
    std::memcpy(bytes + header, length, length_bytes);
    if (!key.empty()) std::memcpy(bytes + header + length_bytes, key.data(), key.size());
    return n;
}

void keyspace::free_node(node* n) noexcept {
    n->~node();
    ::operator delete(n);
}

keyspace::node* keyspace::find_in(const table& t, std::size_t h,
                                  std::string_view key) const noexcept {
    if (!t.buckets) return nullptr;
    for (node* n = t.buckets[h & t.mask]; n; n = n->next)
        if (n->key() == key) return n;
    return nullptr;
}

entry* keyspace::find(std::string_view key) const noexcept {
    const std::size_t h = hash(key);
    if (node* n = find_in(tables_[0], h, key)) return n;
    return rehashing() ? find_in(tables_[1], h, key) : nullptr;
}

entry& keyspace::find_or_insert(std::string_view key, bool& created) {
    rehash_some(1);
    const std::size_t h = hash(key);
    node* found = find_in(tables_[0], h, key);
    if (!found && rehashing()) found = find_in(tables_[1], h, key);
    if (found) {
        created = false;
        return *found;
    }
    node* n = make_node(key);
    if (!tables_[0].buckets) {
        tables_[0].buckets = new node*[min_buckets]();
        tables_[0].mask = min_buckets - 1;
    }
    table& t = target();
    node*& head = t.buckets[h & t.mask];
    n->next = head;
    head = n;
    ++size_;
    created = true;
    resize_if_needed();
    return *n;
}

bool keyspace::erase(std::string_view key) noexcept {
    rehash_some(1);
    const std::size_t h = hash(key);
    for (table* t : {&tables_[0], &tables_[1]}) {
        if (!t->buckets) continue;
        node** link = &t->buckets[h & t->mask];
        for (node* n = *link; n; link = &n->next, n = n->next) {
            if (n->key() != key) continue;
            *link = n->next;
            free_node(n);
            --size_;
            resize_if_needed();
            return true;
        }
        if (!rehashing()) break;
    }
    return false;
}

void keyspace::clear() noexcept {
    for (table& t : tables_) {
        for (std::size_t b = 0; b < t.count(); ++b) {
            for (node* n = t.buckets[b]; n;) {
                node* next = n->next;
                free_node(n);
                n = next;
            }
        }
        delete[] t.buckets;
        t = table{};
    }
    moved_ = not_rehashing;
    size_ = 0;
}

// Redis's SCAN increment: add one to the reversed cursor, counting only the bits of the mask.
// Buckets are visited high bit first, so after a resize the buckets a smaller or larger table
// maps the visited ones to are exactly the visited ones.
std::uint64_t keyspace::next_cursor(std::uint64_t cursor, std::size_t mask) noexcept {
    std::uint64_t v = cursor | ~static_cast<std::uint64_t>(mask);
    v = reverse_bits(v);
    ++v;
    return reverse_bits(v);
}

// Grow at one key per bucket on average, as Redis's dict does; shrink below a tenth full
// (Redis's threshold), so that walks (SCAN, expiry sampling, RANDOMKEY) over a table
// emptied by deletes stay short. One resize at a time.
void keyspace::resize_if_needed() noexcept {
    if (rehashing() || !tables_[0].buckets) return;
    const std::size_t buckets = tables_[0].count();
    if (size_ > buckets)
        start_resize(buckets * 2);
    else if (buckets > min_buckets && size_ * 10 < buckets)
        start_resize(power_of_two_at_least(size_));
}

void keyspace::start_resize(std::size_t buckets) noexcept {
    node** fresh = new (std::nothrow) node*[buckets]();
    if (!fresh) return; // no memory for a bigger table: chains grow longer instead
    tables_[1].buckets = fresh;
    tables_[1].mask = buckets - 1;
    moved_ = 0;
}

void keyspace::rehash_some(std::size_t buckets) noexcept {
    if (!rehashing()) return;
    table& from = tables_[0];
    table& to = tables_[1];
    std::size_t empty_left = buckets * empty_visits_per_step;
    while (buckets > 0 && moved_ < from.count()) {
        node* n = from.buckets[moved_];
        if (!n) {
            ++moved_;
            if (--empty_left == 0) return;
            continue;
        }
        while (n) {
            node* next = n->next;
            node*& head = to.buckets[hash(n->key()) & to.mask];
            n->next = head;
            head = n;
            n = next;
        }
        from.buckets[moved_++] = nullptr;
        --buckets;
    }
    if (moved_ < from.count()) return;
    // Done: the new table becomes the only one.
    delete[] from.buckets;
    from = to;
    to = table{};
    moved_ = not_rehashing;
    resize_if_needed(); // a table emptied meanwhile shrinks again
}

} // namespace corio_redis::db
