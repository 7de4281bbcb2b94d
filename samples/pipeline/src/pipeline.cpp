// The pipeline's stages (see pipeline.hpp). Each stage function starts its coroutine with
// corio::go and returns its output channel at once, as the blog's `func sq(done <-chan
// struct{}, in <-chan int) <-chan int` does; each coroutine closes what it sends on when it
// ends (Go's `defer close(out)`), so the closes flow down the pipeline.
#include "pipeline.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pipeline {

namespace {

using item = std::uint64_t;
using clock = std::chrono::steady_clock;

constexpr std::uint64_t max_count = 3000000;

/// Go's `defer close(out)`.
struct close_on_exit {
    corio::chan<item> ch;
    ~close_on_exit() { ch.close_if_open(); }
};

/// Go's `defer wg.Done()`.
struct done_on_exit {
    corio::wait_group& wg;
    ~done_on_exit() { wg.done(); }
};

// gen: sends 1..n, then closes. Stops early once ctx is done.
corio::chan<item> generate(corio::engine& engine, corio::context ctx, item n, std::size_t buffer) {
    corio::chan<item> out(buffer);
    // By value: this function returns at once, the coroutine runs on.
    corio::go(engine, "generate", [out, ctx, n]() -> corio::task<> {
        close_on_exit closer{out};
        for (item i = 1; i <= n; ++i) {
            auto k = co_await corio::select(corio::case_send(out, i), corio::case_done(ctx));
            if (k == 1) co_return;
        }
    });
    return out;
}

// sq: squares what it receives until `in` is closed or ctx is done.
corio::chan<item> square(corio::engine& engine, corio::context ctx, corio::chan<item> in,
                         std::chrono::microseconds work, std::size_t buffer, std::size_t index) {
    corio::chan<item> out(buffer);
    corio::go(engine, "square-" + std::to_string(index), [in, out, ctx, work]() -> corio::task<> {
        close_on_exit closer{out};
        for (;;) {
            std::optional<item> v;
            auto k = co_await corio::select(corio::case_recv(in, v), corio::case_done(ctx));
            if (k == 1 || !v) co_return; // done, or `in` closed and drained
            if (work.count() > 0) co_await corio::sleep(work);
            k = co_await corio::select(corio::case_send(out, *v * *v), corio::case_done(ctx));
            if (k == 1) co_return;
        }
    });
    return out;
}

// merge: one forwarder per input, and Go's `go func() { wg.Wait(); close(out) }()`.
corio::chan<item> merge(corio::engine& engine, corio::context ctx,
                        std::vector<corio::chan<item>> cs, std::size_t buffer) {
    corio::chan<item> out(buffer);
    // Shared: the forwarders and the closer outlive this function; a wait_group is not
    // copyable (Go passes *sync.WaitGroup for the same reason).
    auto wg = std::make_shared<corio::wait_group>();
    wg->add(static_cast<std::ptrdiff_t>(cs.size()));
    for (auto& c : cs)
        corio::go(engine, "merge", [wg, c, out, ctx]() -> corio::task<> {
            done_on_exit done{*wg};
            for (;;) {
                std::optional<item> v;
                auto k = co_await corio::select(corio::case_recv(c, v), corio::case_done(ctx));
                if (k == 1 || !v) co_return;
                k = co_await corio::select(corio::case_send(out, *v), corio::case_done(ctx));
                if (k == 1) co_return;
            }
        });
    corio::go(engine, "merge-closer", [wg, out]() -> corio::task<> {
        co_await wg->wait();
        out.close();
    });
    return out;
}

} // namespace

std::uint64_t sum_of_squares(std::uint64_t n) noexcept {
    // n(n+1)(2n+1)/6, dividing before multiplying: the product passes 2^64 long before the
    // sum does. Three divides 2n+1 or else n(n+1)/2.
    std::uint64_t half = n * (n + 1) / 2, odd = 2 * n + 1;
    return odd % 3 == 0 ? half * (odd / 3) : half / 3 * odd;
}

corio::task<result> run(corio::engine& engine, config cfg, corio::context ctx) {
    if (cfg.count > max_count)
        throw std::invalid_argument("pipeline: count is at most " + std::to_string(max_count));
    std::size_t workers = cfg.workers ? cfg.workers : engine.loop_count();
    auto t0 = clock::now();

    // Go's main: in := gen(...); c1 := sq(in); c2 := sq(in); for n := range merge(c1, c2).
    auto in = generate(engine, ctx, cfg.count, cfg.buffer);
    std::vector<corio::chan<item>> squares;
    for (std::size_t w = 0; w < workers; ++w)
        squares.push_back(square(engine, ctx, in, cfg.work, cfg.buffer, w));
    auto merged = merge(engine, ctx, std::move(squares), cfg.buffer);

    result r;
    for (;;) {
        std::optional<item> v;
        auto k = co_await corio::select(corio::case_recv(merged, v), corio::case_done(ctx));
        if (k == 1) {
            r.err = ctx.err();
            break;
        }
        if (!v) { // merged is closed: every stage is done
            r.finished = true;
            break;
        }
        ++r.items;
        r.sum += *v;
    }
    r.took = clock::now() - t0;
    if (!r.finished) {
        // Cut: every stage sees the context's done and ends, and merged closes after the
        // last one. Waiting for that (dropping what still arrives) means no stage outlives
        // the call: Go's version returns at once and lets them drain on their own.
        for (;;) {
            auto late = co_await merged.receive();
            if (!late) break;
        }
    }
    co_return r;
}

} // namespace pipeline
