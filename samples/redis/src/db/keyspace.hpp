// The key table of one database: a chained hash table with power-of-two buckets whose nodes
// hold the entry and the key's bytes in one allocation, as Redis's dict holds its keys.
// Lookups touch the bucket and one node (std::unordered_map<std::string, entry> touched up to
// five places: the node before, the node, the key's heap bytes, the next node and its key),
// and SCAN's cursor walks buckets in reverse-binary order so that it keeps Redis's guarantee
// across resizes. Touched only by its shard's loop.
#pragma once

#include "value.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

namespace corio_redis::db {

class keyspace {
public:
    keyspace() = default;
    ~keyspace() { clear(); }
    keyspace(const keyspace&) = delete;
    keyspace& operator=(const keyspace&) = delete;
    keyspace(keyspace&& o) noexcept { swap(o); }
    keyspace& operator=(keyspace&& o) noexcept {
        keyspace tmp(std::move(o));
        swap(tmp);
        return *this;
    }
    void swap(keyspace& o) noexcept {
        std::swap(buckets_, o.buckets_);
        std::swap(mask_, o.mask_);
        std::swap(size_, o.size_);
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t bucket_count() const noexcept { return buckets_ ? mask_ + 1 : 0; }

    /// The entry of key, or null.
    entry* find(std::string_view key) const noexcept;
    /// The entry of key, made (an empty string) if absent; `created` says which.
    entry& find_or_insert(std::string_view key, bool& created);
    /// Removes key; false if it was absent.
    bool erase(std::string_view key) noexcept;
    /// Drops every key and the bucket array.
    void clear() noexcept;

    /// The key of an entry of this table (valid while the entry is).
    static std::string_view key_of(const entry& e) noexcept { return node_of(e)->key(); }
    /// The last access to an entry of this table (the caller's clock: corio-redis stores
    /// unix seconds), for OBJECT IDLETIME and, later, eviction. 0 when never set.
    static std::uint32_t access_of(const entry& e) noexcept {
        std::uint32_t t;
        std::memcpy(&t, node_of(e)->bytes(), sizeof t);
        return t;
    }
    static void set_access(entry& e, std::uint32_t t) noexcept {
        std::memcpy(node_of(e)->bytes(), &t, sizeof t);
    }
    /// The bytes the node of a key of this length asks of the allocator (MEMORY USAGE).
    static std::size_t node_bytes(std::size_t key_length) noexcept {
        std::size_t length_bytes = 1;
        for (std::size_t v = key_length; v >= 0x80; v >>= 7) ++length_bytes;
        return sizeof(node) + sizeof(std::uint32_t) + length_bytes + key_length;
    }

    /// Calls f(key, entry&) for every key. f must not insert or erase.
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t b = 0; b < bucket_count(); ++b)
            for (node* n = buckets_[b]; n; n = n->next) f(n->key(), static_cast<entry&>(*n));
    }

    /// One SCAN step: calls f(key, entry&) for the keys of the bucket `cursor` names and
    /// returns the next cursor, 0 once every bucket was visited. The cursor counts in
    /// reverse-binary order (Redis's), so a key present for the whole walk is reported at
    /// least once even if the table grows or shrinks between steps. f must not insert or
    /// erase.
    template <class F>
    std::uint64_t scan(std::uint64_t cursor, F&& f) const {
        if (!buckets_) return 0;
        for (node* n = buckets_[cursor & mask_]; n; n = n->next)
            f(n->key(), static_cast<entry&>(*n));
        return next_cursor(cursor);
    }

    /// A key sampled for RANDOMKEY: the bucket `bucket_pick` names (modulo the count) and in
    /// its chain the element `chain_pick` names (modulo the chain's length); a null entry
    /// when that bucket is empty (the caller draws again).
    std::pair<std::string_view, entry*> sample(std::size_t bucket_pick,
                                               std::size_t chain_pick) const noexcept {
        if (!buckets_) return {{}, nullptr};
        node* head = buckets_[bucket_pick & mask_];
        std::size_t length = 0;
        for (node* n = head; n; n = n->next) ++length;
        if (length == 0) return {{}, nullptr};
        node* n = head;
        for (std::size_t i = chain_pick % length; i > 0; --i) n = n->next;
        return {n->key(), n};
    }

private:
    // One allocation: the entry and the chain link, then the bytes: the last access (4
    // bytes, unaligned), the key's length (LEB128: one byte below 128) and the key. With a
    // 10-byte key that is 71 bytes, which malloc serves from an 80-byte block (a 4-byte
    // length would make it 96). Deriving from entry makes the way back from an entry a
    // plain downcast.
    struct node : entry {
        node* next = nullptr;
        char* bytes() noexcept { return reinterpret_cast<char*>(this + 1); }
        const char* bytes() const noexcept { return reinterpret_cast<const char*>(this + 1); }
        std::string_view key() const noexcept {
            const auto* p = reinterpret_cast<const unsigned char*>(bytes()) + sizeof(std::uint32_t);
            std::size_t length = 0;
            for (unsigned shift = 0;; shift += 7) {
                length |= static_cast<std::size_t>(*p & 0x7f) << shift;
                if (!(*p++ & 0x80)) break;
            }
            return {reinterpret_cast<const char*>(p), length};
        }
    };

    static node* node_of(const entry& e) noexcept {
        return static_cast<node*>(const_cast<entry*>(&e));
    }
    static std::size_t hash(std::string_view key) noexcept;
    static node* make_node(std::string_view key);
    static void free_node(node* n) noexcept;
    std::uint64_t next_cursor(std::uint64_t cursor) const noexcept;
    void resize(std::size_t buckets);
    void shrink_if_sparse() noexcept;

    node** buckets_ = nullptr;
    std::size_t mask_ = 0; // bucket count - 1 (a power of two)
    std::size_t size_ = 0;
};

} // namespace corio_redis::db
