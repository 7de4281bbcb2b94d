// A pool of fixed-size memory blocks owned by one loop. Not thread-safe on purpose: each
// loop has its own, so taking and returning a block is a free-list pop and push, and
// buffers of idle connections can give their memory back without a trip to malloc.
#pragma once

#include <corio/config.hpp>

#include <cstddef>

namespace corio::buffer {

class block_pool {
public:
    /// Blocks of `block_size` bytes; at most `max_cached` free blocks are kept for reuse,
    /// the rest go back to the heap.
    explicit block_pool(std::size_t block_size = 4096, std::size_t max_cached = 256);
    ~block_pool();
    block_pool(const block_pool&) = delete;
    block_pool& operator=(const block_pool&) = delete;

    /// A block of block_size() bytes; never null (throws std::bad_alloc like new).
    char* acquire();
    /// Gives a block from acquire() back.
    void release(char* block) noexcept;

    std::size_t block_size() const noexcept { return block_size_; }
    /// Free blocks kept for reuse.
    std::size_t cached() const noexcept { return cached_; }
    /// Blocks handed out and not yet released.
    std::size_t outstanding() const noexcept { return outstanding_; }
    /// Frees every cached block.
    void trim() noexcept;

private:
    struct free_block {
        free_block* next;
    };
    std::size_t block_size_;
    std::size_t max_cached_;
    std::size_t cached_ = 0;
    std::size_t outstanding_ = 0;
    free_block* free_ = nullptr;
};

} // namespace corio::buffer
