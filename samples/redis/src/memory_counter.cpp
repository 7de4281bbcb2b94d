// The counting operator new and delete; see memory_counter.hpp. They replace the program's
// (only corio-redis's binary links this file) and allocate with malloc, as the standard
// ones do.
#include "memory_counter.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <malloc.h>
#include <new>

namespace corio_redis::memory {
namespace {

// One counter per thread, each on its own cache line, so counting is a plain add to a line
// no other thread writes. Threads past the table share the first counter, with atomic adds.
struct alignas(64) counter {
    std::atomic<std::int64_t> bytes{0};
};
constexpr std::size_t counter_count = 256;
counter counters[counter_count];
std::atomic<std::size_t> counters_taken{1}; // counters[0] is the shared one

thread_local counter* own = nullptr; // constant-initialized: no allocation on first use
thread_local bool shared = false;

void add(std::int64_t n) noexcept {
    if (!own) [[unlikely]] {
        std::size_t i = counters_taken.fetch_add(1, std::memory_order_relaxed);
        shared = i >= counter_count;
        own = &counters[shared ? 0 : i];
    }
    if (shared)
        own->bytes.fetch_add(n, std::memory_order_relaxed);
    else
        own->bytes.store(own->bytes.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

void* allocate(std::size_t n) {
    void* p = std::malloc(n ? n : 1);
    if (!p) throw std::bad_alloc();
    add(static_cast<std::int64_t>(::malloc_usable_size(p)));
    return p;
}

void* allocate_aligned(std::size_t n, std::align_val_t a) {
    void* p = nullptr;
    std::size_t alignment = static_cast<std::size_t>(a);
    if (alignment < sizeof(void*)) alignment = sizeof(void*);
    if (::posix_memalign(&p, alignment, n ? n : 1) != 0) throw std::bad_alloc();
    add(static_cast<std::int64_t>(::malloc_usable_size(p)));
    return p;
}

void release(void* p) noexcept {
    if (!p) return;
    add(-static_cast<std::int64_t>(::malloc_usable_size(p)));
    std::free(p);
}

} // namespace

std::size_t used_bytes() noexcept {
    std::int64_t total = 0;
    for (const auto& c : counters) total += c.bytes.load(std::memory_order_relaxed);
    return total > 0 ? static_cast<std::size_t>(total) : 0;
}

} // namespace corio_redis::memory

using corio_redis::memory::allocate;
using corio_redis::memory::allocate_aligned;
using corio_redis::memory::release;

void* operator new(std::size_t n) {
    return allocate(n);
}
void* operator new[](std::size_t n) {
    return allocate(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return allocate(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return allocate(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new(std::size_t n, std::align_val_t a) {
    return allocate_aligned(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return allocate_aligned(n, a);
}
void operator delete(void* p) noexcept {
    release(p);
}
void operator delete[](void* p) noexcept {
    release(p);
}
void operator delete(void* p, std::size_t) noexcept {
    release(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    release(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    release(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    release(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    release(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    release(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    release(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    release(p);
}
