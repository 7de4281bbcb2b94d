// The fuzz targets' stand-in for samples/redis/src/memory_counter.cpp, whose operator new
// would replace the sanitizers' own: nothing is counted, so allocated_bytes() (and INFO,
// MEMORY) ask the allocator instead, as in any program without the counting operator new.
#include "memory_counter.hpp"

namespace corio_redis::memory {

std::size_t used_bytes() noexcept {
    return 0;
}

} // namespace corio_redis::memory
