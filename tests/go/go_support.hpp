// Helpers for the Go-style kit's tests: an engine with n loops started for the test, and a
// blocking run of a coroutine on one of its loops (bounded: a hang fails the test).
#pragma once

#include <corio/corio.hpp>

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <future>
#include <mutex>
#include <string>
#include <vector>

namespace test {

using namespace std::chrono_literals;

inline corio::options go_options(std::size_t loops) {
    corio::options o;
    o.loops = loops;
    o.handle_signals = false;
    o.shutdown_timeout = 2000ms;
    // Warnings and errors only: every test starts and stops engines.
    o.logger = [](corio::log_level level, std::string_view line) {
        if (level >= corio::log_level::warn)
            std::fprintf(stderr, "corio: %.*s\n", static_cast<int>(line.size()), line.data());
    };
    return o;
}

/// Collects log lines (thread-safe).
struct log_lines {
    std::mutex mutex;
    std::vector<std::string> lines;
    corio::logger logger() {
        return [this](corio::log_level, std::string_view line) {
            std::lock_guard lock(mutex);
            lines.emplace_back(line);
        };
    }
    bool contains(std::string_view part) {
        std::lock_guard lock(mutex);
        for (auto& l : lines)
            if (l.find(part) != std::string::npos) return true;
        return false;
    }
};

/// An engine started for the test and stopped at the end of it.
struct running_engine {
    corio::engine engine;
    explicit running_engine(std::size_t loops) : engine(go_options(loops)) { engine.start(); }
    explicit running_engine(corio::options o) : engine(std::move(o)) { engine.start(); }
    ~running_engine() {
        engine.stop();
        engine.wait();
    }
    corio::loop& loop(std::size_t i) { return engine.get_loop(i); }
};

/// Runs `t` on loop `l` and waits (at most `limit`) for it; rethrows what it threw. A
/// timeout fails the test and throws.
template <class T>
T run_on(corio::loop& l, corio::task<T> t, std::chrono::milliseconds limit = 20000ms) {
    // Shared: after a timeout the coroutine may still finish later.
    auto done = std::make_shared<std::promise<T>>();
    auto f = done->get_future();
    corio::co_spawn(l.get_executor(), std::move(t), [done](std::exception_ptr e, T v) {
        if (e)
            done->set_exception(e);
        else
            done->set_value(std::move(v));
    });
    if (f.wait_for(limit) != std::future_status::ready) {
        FAIL("a coroutine did not finish in time");
        throw std::runtime_error("timeout");
    }
    return f.get();
}

inline void run_on(corio::loop& l, corio::task<> t, std::chrono::milliseconds limit = 20000ms) {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    corio::co_spawn(l.get_executor(), std::move(t), [done](std::exception_ptr e) {
        if (e)
            done->set_exception(e);
        else
            done->set_value();
    });
    if (f.wait_for(limit) != std::future_status::ready) {
        FAIL("a coroutine did not finish in time");
        throw std::runtime_error("timeout");
    }
    f.get();
}

} // namespace test
