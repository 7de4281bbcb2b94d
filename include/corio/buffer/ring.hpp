// Elastic ring buffer: a power-of-two array that grows by doubling up to a cap, shrinks
// when mostly empty and gives its memory back when empty. Connections read into it; its
// free space is exposed as (at most) two spans so one readv fills both.
#pragma once

#include <corio/config.hpp>

#include <corio/buffer/pool.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

struct iovec;

namespace corio::buffer {

/// Default cap of every corio buffer: 64 MiB.
inline constexpr std::size_t default_max_size = std::size_t{64} << 20;

class ring {
public:
    /// Memory comes from `pool` when the capacity equals the pool's block size, else from the
    /// heap. `min_capacity` (0: the pool's block size, or 4096 without a pool) is the first
    /// allocation and the floor shrink() stops at. Never holds more than `max_size` bytes.
    explicit ring(block_pool* pool = nullptr, std::size_t max_size = default_max_size,
                  std::size_t min_capacity = 0);
    ~ring();
    ring(const ring&) = delete;
    ring& operator=(const ring&) = delete;

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    /// Bytes allocated now (0 after trim()).
    std::size_t capacity() const noexcept { return capacity_; }
    std::size_t max_size() const noexcept { return max_size_; }
    /// Free space without growing.
    std::size_t available() const noexcept { return capacity_ - size_; }
    bool full() const noexcept { return size_ == capacity_; }

    /// Appends all of `data`, growing as needed; returns false (and appends nothing) when that
    /// would exceed max_size().
    bool write(std::string_view data);
    /// Makes available() >= n by growing; false when size() + n would exceed max_size().
    bool reserve(std::size_t n);
    /// The free space, in order (the second span is empty unless it wraps). Fill then commit().
    std::array<std::span<char>, 2> writable() noexcept;
    /// Marks n bytes of writable() as data.
    void commit(std::size_t n) noexcept;

    /// The data, in order (the second view is empty unless it wraps).
    std::array<std::string_view, 2> readable() const noexcept;
    /// The first contiguous piece of data.
    std::string_view front() const noexcept { return readable()[0]; }
    /// Makes the data contiguous (moving it in place if it wraps) and returns it.
    std::string_view linearize() noexcept;
    /// Before a read into writable(): moves unwrapped data to the front of the array when
    /// there is more free space before it than after it, so that what comes next is written
    /// contiguously and a later linearize() moves nothing. It moves size() bytes (a reader's
    /// unconsumed rest, usually small) instead of letting the next write wrap. Invalidates
    /// views as a write does.
    void rewind() noexcept;
    /// Copies up to n bytes of data to dst without consuming; returns the count.
    std::size_t copy_out(char* dst, std::size_t n) const noexcept;
    /// Fills up to max iovecs with the data; returns how many.
    int iovecs(struct iovec* out, int max) const noexcept;
    /// Drops the first n bytes (n <= size()). Never moves or frees memory, so views taken
    /// before stay readable until the next write, reserve, shrink or trim.
    void consume(std::size_t n) noexcept;

    /// Gives memory back when mostly empty: halves toward min capacity while size() is at
    /// most a quarter of capacity(); frees everything above the minimum when empty.
    void shrink() noexcept;
    /// When empty, frees all memory (the next write allocates again).
    void trim() noexcept;

private:
    char* allocate(std::size_t capacity);
    void deallocate(char* p, std::size_t capacity) noexcept;
    void reallocate(std::size_t new_capacity);

    block_pool* pool_;
    std::size_t max_size_;
    std::size_t min_capacity_;
    char* data_ = nullptr;
    std::size_t capacity_ = 0;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

} // namespace corio::buffer
