// Linked-list buffer: a queue of fixed-size blocks from a block_pool. Appending never moves
// data already queued, and the read side exports the queue as an iovec array so a whole
// outbound backlog leaves in one writev (up to IOV_MAX pieces).
#pragma once

#include <corio/config.hpp>

#include <corio/buffer/pool.hpp>
#include <corio/buffer/ring.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

struct iovec;

namespace corio::buffer {

class chain {
public:
    /// Blocks come from (and go back to) `pool`, which must outlive the chain.
    explicit chain(block_pool& pool, std::size_t max_size = default_max_size);
    ~chain();
    chain(const chain&) = delete;
    chain& operator=(const chain&) = delete;

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t max_size() const noexcept { return max_size_; }
    /// Blocks held, counted by walking them (a counter would cost every connection 8
    /// bytes); for tests and stats, not for hot paths.
    std::size_t block_count() const noexcept;

    /// Appends all of `data`; false (appending nothing) when that would exceed max_size().
    bool write(std::string_view data);
    /// Fills up to max iovecs with the data, in order; returns how many.
    int iovecs(struct iovec* out, int max) const noexcept;
    /// Copies up to n bytes of data to dst without consuming; returns the count.
    std::size_t copy_out(char* dst, std::size_t n) const noexcept;
    /// Drops the first n bytes, returning emptied blocks to the pool.
    void consume(std::size_t n) noexcept;
    /// Drops everything.
    void clear() noexcept { consume(size_); }

private:
    struct block {
        block* next;
        std::uint32_t begin;
        std::uint32_t end;
        char* bytes() noexcept { return reinterpret_cast<char*>(this + 1); }
    };
    std::size_t payload() const noexcept { return pool_.block_size() - sizeof(block); }

    block_pool& pool_;
    std::size_t max_size_;
    std::size_t size_ = 0;
    block* head_ = nullptr;
    block* tail_ = nullptr;
};

} // namespace corio::buffer
