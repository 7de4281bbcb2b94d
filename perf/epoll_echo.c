/* epoll_echo: the leanest hand-written echo server, used as the performance
 * ceiling in perf/run-echo.sh. Single thread, level-triggered epoll,
 * non-blocking sockets, no allocation on the hot path.
 *
 * Usage: epoll_echo PORT   (listens on 127.0.0.1:PORT; PORT 0 picks one)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Output the peer has not taken yet. Only exists after a short write, which
 * on loopback with an echo client practically never happens. */
struct pending {
    size_t off, len;
    char data[];
};

static struct pending** pend; /* indexed by fd */
static size_t pend_cap;
static int epfd;
static volatile sig_atomic_t stop;
static char buf[64 * 1024];

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static void die(const char* what) {
    perror(what);
    exit(1);
}

static void close_conn(int fd) {
    if ((size_t)fd < pend_cap && pend[fd]) {
        free(pend[fd]);
        pend[fd] = NULL;
    }
    close(fd); /* also removes it from the epoll set */
}

static void set_events(int fd, unsigned events) {
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0) die("epoll_ctl(MOD)");
}

/* Keep the unsent tail and stop reading from this fd until it is flushed:
 * that is the backpressure that keeps the pending buffer bounded. */
static void park(int fd, const char* data, size_t len) {
    if ((size_t)fd >= pend_cap) {
        size_t cap = pend_cap ? pend_cap : 1024;
        while (cap <= (size_t)fd) cap *= 2;
        pend = realloc(pend, cap * sizeof *pend);
        if (!pend) die("realloc");
        memset(pend + pend_cap, 0, (cap - pend_cap) * sizeof *pend);
        pend_cap = cap;
    }
    struct pending* p = malloc(sizeof *p + len);
    if (!p) die("malloc");
    p->off = 0;
    p->len = len;
    memcpy(p->data, data, len);
    pend[fd] = p;
    set_events(fd, EPOLLOUT);
}

static void on_writable(int fd) {
    struct pending* p = pend[fd];
    while (p->off < p->len) {
        ssize_t n = write(fd, p->data + p->off, p->len - p->off);
        if (n < 0) {
            if (errno == EAGAIN) return;
            if (errno == EINTR) continue;
            close_conn(fd);
            return;
        }
        p->off += (size_t)n;
    }
    free(p);
    pend[fd] = NULL;
    set_events(fd, EPOLLIN);
}

static void on_readable(int fd) {
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            if (n < 0 && errno == EAGAIN) return;
            if (n < 0 && errno == EINTR) continue;
            close_conn(fd); /* EOF or error */
            return;
        }
        size_t off = 0;
        while (off < (size_t)n) {
            ssize_t w = write(fd, buf + off, (size_t)n - off);
            if (w < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN) break;
                close_conn(fd);
                return;
            }
            off += (size_t)w;
        }
        if (off < (size_t)n) {
            park(fd, buf + off, (size_t)n - off);
            return;
        }
        /* A short read means the socket is drained: skip the read() that
         * would only return EAGAIN (level-triggered epoll reports any later
         * data anyway). */
        if ((size_t)n < sizeof buf) return;
    }
}

static void on_accept(int lfd) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN) return;
            if (errno == EINTR || errno == ECONNABORTED) continue;
            /* EMFILE and friends: report and let the backlog wait rather
             * than spin (level-triggered would re-report immediately). */
            perror("accept4");
            usleep(10000);
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl(ADD)");
    }
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);

    /* No SA_RESTART, so epoll_wait returns EINTR and we notice `stop`. */
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((unsigned short)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lfd, (struct sockaddr*)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfd, 65535) < 0) die("listen"); /* kernel clamps to somaxconn */
    socklen_t alen = sizeof addr;
    getsockname(lfd, (struct sockaddr*)&addr, &alen);
    printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
    fflush(stdout);

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl(listen)");

    struct epoll_event events[256];
    while (!stop) {
        int n = epoll_wait(epfd, events, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd)
                on_accept(lfd);
            else if ((size_t)fd < pend_cap && pend[fd])
                on_writable(fd); /* parked: only EPOLLOUT (or ERR/HUP) */
            else
                on_readable(fd); /* EPOLLIN, or ERR/HUP surfacing via read */
        }
    }
    return 0;
}
