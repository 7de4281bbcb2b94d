// Exits 0 if the kernel lets this process set up an io_uring, else prints why and exits 1:
// scripts/test.sh runs the io_uring build's tests only where io_uring works.
#include <liburing.h>

#include <cstdio>
#include <cstring>

int main() {
    io_uring ring;
    int rc = io_uring_queue_init(8, &ring, 0);
    if (rc < 0) {
        std::printf("io_uring_queue_init: %s\n", std::strerror(-rc));
        return 1;
    }
    io_uring_queue_exit(&ring);
    std::printf("io_uring works\n");
    return 0;
}
