// Free-list block pool; see include/corio/buffer/pool.hpp.
#include <corio/buffer/pool.hpp>

#include <new>
#include <stdexcept>

namespace corio::buffer {

block_pool::block_pool(std::size_t block_size, std::size_t max_cached)
    : block_size_(block_size), max_cached_(max_cached) {
    if (block_size < 64) throw std::invalid_argument("corio: block_pool block size must be >= 64");
}

block_pool::~block_pool() {
    trim();
}

char* block_pool::acquire() {
    ++outstanding_;
    if (free_) {
        free_block* b = free_;
        free_ = b->next;
        --cached_;
        return reinterpret_cast<char*>(b);
    }
    try {
        return static_cast<char*>(::operator new(block_size_));
    } catch (...) {
        --outstanding_;
        throw;
    }
}

void block_pool::release(char* block) noexcept {
    --outstanding_;
    if (cached_ < max_cached_) {
        auto* b = reinterpret_cast<free_block*>(block);
        b->next = free_;
        free_ = b;
        ++cached_;
    } else {
        ::operator delete(block);
    }
}

void block_pool::trim() noexcept {
    while (free_) {
        free_block* b = free_;
        free_ = b->next;
        ::operator delete(b);
    }
    cached_ = 0;
}

} // namespace corio::buffer
