// Process figures from glibc and /proc; see process_info.hpp.
#include "process_info.hpp"

#include "memory_counter.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

namespace corio_redis {

// glibc's counts; an allocator that replaces malloc without mallinfo2 (a sanitizer build's)
// reports zeros: then the resident set stands in, the closest figure there is.
std::size_t allocated_bytes() {
    if (std::size_t counted = memory::used_bytes()) return counted;
    struct mallinfo2 mi = ::mallinfo2(); // a program without the counting operator new
    std::size_t n = mi.uordblks + mi.hblkhd;
    return n != 0 ? n : resident_bytes();
}

std::size_t allocator_held_bytes() {
    struct mallinfo2 mi = ::mallinfo2();
    std::size_t n = mi.arena + mi.hblkhd;
    return n != 0 ? n : resident_bytes();
}

std::size_t resident_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long long size = 0, resident = 0;
    int n = std::fscanf(f, "%llu %llu", &size, &resident);
    std::fclose(f);
    if (n != 2) return 0;
    return static_cast<std::size_t>(resident) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::size_t system_memory_bytes() {
    long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page)
                                 : 0;
}

cpu_times process_cpu_times() {
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    cpu_times t;
    rusage self{}, children{};
    if (::getrusage(RUSAGE_SELF, &self) == 0) {
        t.user = seconds(self.ru_utime);
        t.sys = seconds(self.ru_stime);
    }
    if (::getrusage(RUSAGE_CHILDREN, &children) == 0) {
        t.children_user = seconds(children.ru_utime);
        t.children_sys = seconds(children.ru_stime);
    }
    return t;
}

std::string human_bytes(std::size_t n) {
    char buf[64];
    const double d = static_cast<double>(n);
    if (n < 1024)
        std::snprintf(buf, sizeof buf, "%zuB", n);
    else if (d < 1024.0 * 1024)
        std::snprintf(buf, sizeof buf, "%.2fK", d / 1024);
    else if (d < 1024.0 * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.2fM", d / (1024.0 * 1024));
    else if (d < 1024.0 * 1024 * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.2fG", d / (1024.0 * 1024 * 1024));
    else if (d < 1024.0 * 1024 * 1024 * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
    else
        std::snprintf(buf, sizeof buf, "%.2fP", d / (1024.0 * 1024 * 1024 * 1024 * 1024));
    return buf;
}

} // namespace corio_redis
