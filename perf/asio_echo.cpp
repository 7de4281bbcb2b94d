// asio_echo: a plain Boost.Asio C++20 coroutine echo server, written the way
// the Asio examples teach it (one io_context, use_awaitable, a 4 KiB buffer
// per connection). The "stock Asio" baseline in perf/run-echo.sh.
//
// Usage: asio_echo PORT   (listens on 127.0.0.1:PORT)
// Build: g++ -std=c++20 -O2 perf/asio_echo.cpp -pthread -o asio_echo
#include <boost/asio.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

static awaitable<void> echo(tcp::socket socket) {
    try {
        char data[4096];
        for (;;) {
            std::size_t n = co_await socket.async_read_some(asio::buffer(data), use_awaitable);
            co_await asio::async_write(socket, asio::buffer(data, n), use_awaitable);
        }
    } catch (const std::exception&) {
        // EOF or reset: the connection is done.
    }
}

static awaitable<void> listener(tcp::acceptor acceptor) {
    for (;;) {
        tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
        socket.set_option(tcp::no_delay(true));
        asio::co_spawn(acceptor.get_executor(), echo(std::move(socket)), asio::detached);
    }
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    try {
        asio::io_context io(1); // concurrency hint: single-threaded
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](auto, auto) { io.stop(); });

        tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(),
                                    static_cast<unsigned short>(std::atoi(argv[1]))});
        std::printf("listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
        std::fflush(stdout);

        // Surface a dying listener (e.g. EMFILE) instead of silently hanging.
        asio::co_spawn(io, listener(std::move(acceptor)), [](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    std::fprintf(stderr, "listener: %s\n", ex.what());
                }
            }
        });
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "asio_echo: %s\n", e.what());
        return 1;
    }
    return 0;
}
