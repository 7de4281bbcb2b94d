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
    /// Exchanges the contents of two tables (SWAPDB): nodes stay where they are.
    void swap(keyspace& o) noexcept {
        std::swap(tables_, o.tables_);
        std::swap(moved_, o.moved_);
        std::swap(size_, o.size_);
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    /// Buckets of the table keys go to (the new one while a resize is under way).
    std::size_t bucket_count() const noexcept { return target().count(); }
    /// True while keys are moving to a resized table, a few buckets per change.
    bool rehashing() const noexcept { return moved_ != not_rehashing; }

    /// The entry of key, or null.
    entry* find(std::string_view key) const noexcept;
    /// The entry of key, made (an empty string) if absent; `created` says which.
    entry& find_or_insert(std::string_view key, bool& created);
    /// Removes key; false if it was absent.
    bool erase(std::string_view key) noexcept;
    /// Drops every key and the bucket arrays.
    void clear() noexcept;
    /// Moves keys to the resized table for up to `buckets` old buckets (the shard's ticker
    /// calls it, so that a table nobody writes to still finishes its resize).
    void rehash_some(std::size_t buckets) noexcept;

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
    /// The snapshot epoch an entry was last saved in or made in (persist/shard_snapshot.hpp:
    /// during a snapshot, an entry of an older epoch has not been saved yet).
    static std::uint8_t epoch_of(const entry& e) noexcept {
        return static_cast<std::uint8_t>(node_of(e)->bytes()[sizeof(std::uint32_t)]);
    }
    static void set_epoch(entry& e, std::uint8_t epoch) noexcept {
        node_of(e)->bytes()[sizeof(std::uint32_t)] = static_cast<char>(epoch);
    }
    /// The epoch new entries get.
    std::uint8_t epoch() const noexcept { return epoch_; }
    void set_new_epoch(std::uint8_t epoch) noexcept { epoch_ = epoch; }
    /// The bytes the node of a key of this length asks of the allocator (MEMORY USAGE).
    static std::size_t node_bytes(std::size_t key_length) noexcept {
        std::size_t length_bytes = 1;
        for (std::size_t v = key_length; v >= 0x80; v >>= 7) ++length_bytes;
        return sizeof(node) + sizeof(std::uint32_t) + 1 + length_bytes + key_length;
    }

    /// Calls f(key, entry&) for every key. f must not insert or erase.
    template <class F>
    void for_each(F&& f) const {
        for (const table* t : {&tables_[0], &tables_[1]})
            for (std::size_t b = 0; b < t->count(); ++b)
                for (node* n = t->buckets[b]; n; n = n->next) f(n->key(), static_cast<entry&>(*n));
    }

    /// One SCAN step: calls f(key, entry&) for the keys of the bucket `cursor` names (during
    /// a resize, of that bucket in the smaller table and of the buckets it maps to in the
    /// larger) and returns the next cursor, 0 once every bucket was visited. The cursor counts
    /// in reverse-binary order (Redis's), so a key present for the whole walk is reported at
    /// least once even if the table grows or shrinks between steps. f must not insert or
    /// erase.
    template <class F>
    std::uint64_t scan(std::uint64_t cursor, F&& f) const {
        if (!rehashing() && !tables_[0].buckets) return 0;
        auto emit = [&](const table& t, std::uint64_t v) {
            for (node* n = t.buckets[v & t.mask]; n; n = n->next)
                f(n->key(), static_cast<entry&>(*n));
        };
        if (!rehashing()) {
            emit(tables_[0], cursor);
            return next_cursor(cursor, tables_[0].mask);
        }
        const table& small = tables_[0].mask <= tables_[1].mask ? tables_[0] : tables_[1];
        const table& large = &small == &tables_[0] ? tables_[1] : tables_[0];
        emit(small, cursor);
        // Every bucket of the larger table that the smaller one's bucket expands to.
        std::uint64_t v = cursor;
        do {
            emit(large, v);
            v = (((v | small.mask) + 1) & ~small.mask) | (v & small.mask);
        } while (v & (small.mask ^ large.mask));
        return next_cursor(cursor, small.mask);
    }

    /// A key sampled for RANDOMKEY: the bucket `bucket_pick` names (modulo the count of both
    /// tables' buckets) and in its chain the element `chain_pick` names (modulo the chain's
    /// length); a null entry when that bucket is empty (the caller draws again).
    std::pair<std::string_view, entry*> sample(std::size_t bucket_pick,
                                               std::size_t chain_pick) const noexcept {
        const std::size_t all = tables_[0].count() + tables_[1].count();
        if (all == 0) return {{}, nullptr};
        std::size_t b = bucket_pick % all;
        const table& t = b < tables_[0].count() ? tables_[0] : tables_[1];
        if (&t == &tables_[1]) b -= tables_[0].count();
        node* head = t.buckets[b];
        std::size_t length = 0;
        for (node* n = head; n; n = n->next) ++length;
        if (length == 0) return {{}, nullptr};
        node* n = head;
        for (std::size_t i = chain_pick % length; i > 0; --i) n = n->next;
        return {n->key(), n};
    }

private:
    // One allocation: the entry and the chain link, then the bytes: the last access (4
    // bytes, unaligned), the snapshot epoch (1 byte), the key's length (LEB128: one byte
    // below 128) and the key. With a 10-byte key that is 72 bytes, which malloc serves from
    // an 80-byte block (a 4-byte length would make it 96). Deriving from entry makes the way back
    // from an entry a plain downcast.
    struct node : entry {
        node* next = nullptr;
        char* bytes() noexcept { return reinterpret_cast<char*>(this + 1); }
        const char* bytes() const noexcept { return reinterpret_cast<const char*>(this + 1); }
        std::string_view key() const noexcept {
            const auto* p =
                reinterpret_cast<const unsigned char*>(bytes()) + sizeof(std::uint32_t) + 1;
            std::size_t length = 0;
            for (unsigned shift = 0;; shift += 7) {
                length |= static_cast<std::size_t>(*p & 0x7f) << shift;
                if (!(*p++ & 0x80)) break;
            }
            return {reinterpret_cast<const char*>(p), length};
        }
    };

    // A bucket array. Resizing is incremental, as in Redis: a second table is made and each
    // change moves one old bucket (and the ticker more), so a table of millions of keys
    // never stops its shard for a whole rehash.
    struct table {
        node** buckets = nullptr;
        std::size_t mask = 0; // bucket count - 1 (a power of two)
        std::size_t count() const noexcept { return buckets ? mask + 1 : 0; }
    };
    static constexpr std::size_t not_rehashing = SIZE_MAX;

    static node* node_of(const entry& e) noexcept {
        return static_cast<node*>(const_cast<entry*>(&e));
    }
    static std::size_t hash(std::string_view key) noexcept;
    static void free_node(node* n) noexcept;
    static std::uint64_t next_cursor(std::uint64_t cursor, std::size_t mask) noexcept;
    // Where new keys go: the resized table while a resize is under way.
    const table& target() const noexcept { return rehashing() ? tables_[1] : tables_[0]; }
    table& target() noexcept { return rehashing() ? tables_[1] : tables_[0]; }
    node* make_node(std::string_view key) const;
    node* find_in(const table& t, std::size_t h, std::string_view key) const noexcept;
    void start_resize(std::size_t buckets) noexcept;
    void resize_if_needed() noexcept;

    table tables_[2];
    std::size_t moved_ = not_rehashing; // old buckets already moved while rehashing
    std::size_t size_ = 0;
    std::uint8_t epoch_ = 0;
};

} // namespace corio_redis::db
