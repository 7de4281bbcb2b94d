// The bytes corio-redis holds from the allocator, counted as Redis's zmalloc counts
// used_memory: every operator new and delete adds or takes its block's usable size on a
// counter of the calling thread, and the total is the sum of the counters. maxmemory asks
// for it before writes, which mallinfo2 (a walk over every arena, under their locks) is too
// slow for.
#pragma once

#include <cstddef>

namespace corio_redis::memory {

/// Bytes allocated through operator new and not yet freed, as usable sizes. Any thread;
/// a relaxed sum (exact once the threads that allocate are quiet).
std::size_t used_bytes() noexcept;

} // namespace corio_redis::memory
