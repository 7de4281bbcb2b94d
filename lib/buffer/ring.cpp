// Elastic ring buffer; see include/corio/buffer/ring.hpp.
#include <corio/buffer/ring.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <stdexcept>
#include <sys/uio.h>

namespace corio::buffer {

ring::ring(block_pool* pool, std::size_t max_size, std::size_t min_capacity)
    : pool_(pool), max_size_(max_size), min_capacity_(std::bit_ceil(min_capacity ? min_capacity
                                                                    : pool ? pool->block_size()
                                                                           : 4096)) {
    if (max_size == 0) throw std::invalid_argument("corio: ring buffer max_size must be > 0");
}

ring::~ring() {
    if (data_) deallocate(data_, capacity_);
}

char* ring::allocate(std::size_t capacity) {
    if (pool_ && capacity == pool_->block_size()) return pool_->acquire();
    return static_cast<char*>(::operator new(capacity));
}

void ring::deallocate(char* p, std::size_t capacity) noexcept {
    if (pool_ && capacity == pool_->block_size())
        pool_->release(p);
    else
        ::operator delete(p);
}

void ring::reallocate(std::size_t new_capacity) {
    char* fresh = allocate(new_capacity);
    copy_out(fresh, size_);
    if (data_) deallocate(data_, capacity_);
    data_ = fresh;
    capacity_ = new_capacity;
    head_ = 0;
}

bool ring::reserve(std::size_t n) {
    if (n > max_size_ - size_) return false;
    if (capacity_ - size_ >= n) return true;
    std::size_t want = std::max(min_capacity_, std::bit_ceil(size_ + n));
    reallocate(want);
    return true;
}

bool ring::write(std::string_view data) {
    if (!reserve(data.size())) return false;
    auto spans = writable();
    std::size_t first = std::min(data.size(), spans[0].size());
    if (first) std::memcpy(spans[0].data(), data.data(), first);
    if (first < data.size()) std::memcpy(spans[1].data(), data.data() + first, data.size() - first);
    commit(data.size());
    return true;
}

std::array<std::span<char>, 2> ring::writable() noexcept {
    if (capacity_ == 0) return {};
    std::size_t tail = (head_ + size_) & (capacity_ - 1);
    std::size_t free = capacity_ - size_;
    if (free == 0) return {};
    std::size_t first = std::min(free, capacity_ - tail);
    return {std::span<char>(data_ + tail, first), std::span<char>(data_, free - first)};
}

void ring::commit(std::size_t n) noexcept {
    size_ += n;
}

std::array<std::string_view, 2> ring::readable() const noexcept {
    if (size_ == 0) return {};
    std::size_t first = std::min(size_, capacity_ - head_);
    return {std::string_view(data_ + head_, first), std::string_view(data_, size_ - first)};
}

std::string_view ring::linearize() noexcept {
    if (size_ == 0) return {};
    if (head_ + size_ > capacity_) {
        // Wrapped: the piece at the end (a bytes from head) and the one at the start (b
        // bytes) swap places through a copy of the smaller one, so the data moves once:
        // std::rotate over the whole array cost a quarter of corio-redis's CPU at 1 KiB
        // pipelined SETs.
        const std::size_t a = capacity_ - head_, b = size_ - a;
        constexpr std::size_t stack_copy = 8192;
        char spare[stack_copy];
        if (b <= a && b <= stack_copy) {
            std::memcpy(spare, data_, b);
            std::memmove(data_, data_ + head_, a);
            std::memcpy(data_ + a, spare, b);
        } else if (a < b && a <= stack_copy) {
            std::memcpy(spare, data_ + head_, a);
            std::memmove(data_ + a, data_, b);
            std::memcpy(data_, spare, a);
        } else {
            std::rotate(data_, data_ + head_, data_ + capacity_); // both pieces large: rare
        }
        head_ = 0;
    }
    return std::string_view(data_ + head_, size_);
}

void ring::rewind() noexcept {
    if (size_ == 0) {
        head_ = 0;
        return;
    }
    if (head_ + size_ >= capacity_) return; // wrapped, or no room after it: nothing to gain
    if (capacity_ - (head_ + size_) >= head_) return; // more room after the data than before
    std::memmove(data_, data_ + head_, size_);
    head_ = 0;
}

std::size_t ring::copy_out(char* dst, std::size_t n) const noexcept {
    n = std::min(n, size_);
    auto parts = readable();
    std::size_t first = std::min(n, parts[0].size());
    if (first) std::memcpy(dst, parts[0].data(), first);
    if (n > first) std::memcpy(dst + first, parts[1].data(), n - first);
    return n;
}

int ring::iovecs(struct iovec* out, int max) const noexcept {
    int count = 0;
    for (auto part : readable()) {
        if (part.empty() || count == max) continue;
        out[count].iov_base = const_cast<char*>(part.data());
        out[count].iov_len = part.size();
        ++count;
    }
    return count;
}

void ring::consume(std::size_t n) noexcept {
    n = std::min(n, size_);
    size_ -= n;
    head_ = size_ == 0 ? 0 : (head_ + n) & (capacity_ - 1);
}

void ring::shrink() noexcept {
    if (capacity_ <= min_capacity_) return;
    if (size_ == 0) {
        deallocate(data_, capacity_);
        data_ = nullptr;
        capacity_ = 0;
        head_ = 0;
        return;
    }
    if (size_ > capacity_ / 4) return;
    std::size_t want = std::max(min_capacity_, std::bit_ceil(size_ * 2));
    if (want >= capacity_) return;
    try {
        reallocate(want);
    } catch (const std::bad_alloc&) {
        // Keeping the bigger block is always correct.
    }
}

void ring::trim() noexcept {
    if (size_ != 0 || !data_) return;
    deallocate(data_, capacity_);
    data_ = nullptr;
    capacity_ = 0;
    head_ = 0;
}

} // namespace corio::buffer
