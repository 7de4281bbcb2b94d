// What the process itself uses, for INFO memory/cpu and MEMORY: bytes allocated (glibc's
// malloc counters), resident memory, the machine's memory, CPU time, and Redis's way of
// printing byte counts.
#pragma once

#include <cstddef>
#include <string>

namespace corio_redis {

/// Bytes allocated and not freed: the counting operator new's total (memory_counter.hpp),
/// or where it is not linked in, mallinfo2's (which walks every arena). Any thread.
std::size_t allocated_bytes();
/// Bytes malloc holds from the system (arenas and mmapped blocks).
std::size_t allocator_held_bytes();
/// Resident set size (/proc/self/statm), 0 if unknown.
std::size_t resident_bytes();
/// Physical memory of the machine.
std::size_t system_memory_bytes();

struct cpu_times {
    double user = 0, sys = 0, children_user = 0, children_sys = 0; // seconds
};
cpu_times process_cpu_times();

/// Redis's bytesToHuman: "1023B", "1.50K", "2.00M", "3.25G"...
std::string human_bytes(std::size_t n);

} // namespace corio_redis
