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

// The total, and each thread's change not yet added to it: a thread adds its change once it
// passes `batch` bytes either way, so the total's cache line moves between cores rarely and
// reading it is one load (maxmemory reads it before commands). It is then within
// threads x batch bytes of the truth.
constexpr std::int64_t batch = 16 * 1024;
std::atomic<std::int64_t> total{0};

struct pending_bytes {
    std::int64_t n = 0;
    ~pending_bytes() { // the thread ends (frees after this, by later destructors, are lost)
        total.fetch_add(n, std::memory_order_relaxed);
        n = 0;
    }
};
thread_local pending_bytes pending;

void add(std::int64_t n) noexcept {
    std::int64_t p = pending.n + n;
    if (p >= batch || p <= -batch) {
        total.fetch_add(p, std::memory_order_relaxed);
        p = 0;
    }
    pending.n = p;
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
    std::int64_t n = total.load(std::memory_order_relaxed) + pending.n;
    return n > 0 ? static_cast<std::size_t>(n) : 0;
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
