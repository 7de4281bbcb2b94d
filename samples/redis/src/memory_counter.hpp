// The bytes corio-redis holds from the allocator, counted as Redis's zmalloc counts
// used_memory: every operator new and delete adds or takes its block's usable size, on a
// counter of the calling thread that joins the total every 16 KiB. maxmemory reads it before
// commands, which mallinfo2 (a walk over every arena, under their locks) is too slow for.
#pragma once

#include <cstddef>

namespace corio_redis::memory {

/// Bytes allocated through operator new and not yet freed, as usable sizes: the total plus
/// the calling thread's own change (the others' are within 16 KiB each). Any thread.
std::size_t used_bytes() noexcept;

} // namespace corio_redis::memory
