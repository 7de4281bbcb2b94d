// The pipeline of samples/pipeline, as a small library so that its main and tests/go build the
// same code. It is Go's "pipelines and cancellation" (go.dev/blog/pipelines) with a context
// instead of the blog's done channel: a generator, N parallel squaring stages fanned out over
// the engine's loops, a merge (fan-in) whose wait_group closes the output once every stage is
// done, and a sink that sums. Every stage selects on the context's done beside its channel
// operation, so a deadline (or a cancel) stops all of them promptly.
#pragma once

#include <corio/corio.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <system_error>

namespace pipeline {

struct config {
    /// Items 1..count go through the pipeline (at most 3,000,000: the sum of their squares
    /// stays under 2^64).
    std::uint64_t count = 100000;
    /// Squaring stages; 0: one per engine loop.
    std::size_t workers = 0;
    /// Simulated work per item in a stage (a corio::sleep), 0 for none.
    std::chrono::microseconds work{0};
    /// Capacity of every channel between stages.
    std::size_t buffer = 64;
};

struct result {
    std::uint64_t items = 0; // squares the sink received
    std::uint64_t sum = 0;   // their sum
    bool finished = false;   // all of them, before the context was done
    std::error_code err;     // the context's err() when it was cut
    std::chrono::steady_clock::duration took{};
};

/// The sum of the squares of 1..n, for checking (n <= 3,000,000).
std::uint64_t sum_of_squares(std::uint64_t n) noexcept;

/// Runs the pipeline on the engine's loops until the sink has every square or `ctx` is done,
/// then waits until every stage has ended (none outlives the call). From a coroutine on one
/// of the engine's loops. Throws std::invalid_argument if cfg.count is over the limit.
corio::task<result> run(corio::engine& engine, config cfg, corio::context ctx);

} // namespace pipeline
