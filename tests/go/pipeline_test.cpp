// samples/pipeline's stages (built in from samples/pipeline/src) across 4 loops: without a
// deadline the sum of squares is exact; a deadline or a cancel from another thread cuts every
// stage promptly, and none outlives the run.
#include "go_support.hpp"

#include "../../samples/pipeline/src/pipeline.hpp"

#include <thread>

using namespace std::chrono_literals;

namespace {

std::size_t goroutines(corio::engine& e) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < e.loop_count(); ++i) n += e.get_loop(i).goroutine_count();
    return n;
}

bool all_stages_ended(corio::engine& e) {
    for (int i = 0; i < 2000 && goroutines(e) > 0; ++i) std::this_thread::sleep_for(1ms);
    return goroutines(e) == 0;
}

} // namespace

TEST_CASE("pipeline: the sum of squares") {
    CHECK(pipeline::sum_of_squares(0) == 0);
    CHECK(pipeline::sum_of_squares(1) == 1);
    CHECK(pipeline::sum_of_squares(10) == 385);
    CHECK(pipeline::sum_of_squares(3000000) == 9000004500000500000ull);
}

TEST_CASE("pipeline: without a deadline every item goes through once, fanned over 4 loops") {
    test::running_engine e(4);
    pipeline::config cfg;
    cfg.count = 20000;
    cfg.workers = 6; // more stages than loops: two loops hold two
    cfg.buffer = 16;
    auto [ctx, cancel] = corio::with_cancel(corio::context());
    auto r = test::run_on(e.loop(0), pipeline::run(e.engine, cfg, ctx), 60000ms);
    cancel();
    CHECK(r.finished);
    CHECK_FALSE(r.err);
    CHECK(r.items == cfg.count);
    CHECK(r.sum == pipeline::sum_of_squares(cfg.count));
    CHECK(all_stages_ended(e.engine));
}

TEST_CASE("pipeline: a deadline cuts every stage") {
    test::running_engine e(4);
    pipeline::config cfg;
    cfg.count = 100000;
    cfg.work = 1ms;                             // 4 stages: at most about 4 items a millisecond
    auto t0 = std::chrono::steady_clock::now(); // before the context: its deadline counts from it
    auto [ctx, cancel] = corio::with_timeout(corio::context(), 50ms);
    auto r = test::run_on(e.loop(0), pipeline::run(e.engine, cfg, ctx), 20000ms);
    auto took = std::chrono::steady_clock::now() - t0;
    cancel();
    CHECK_FALSE(r.finished);
    CHECK(r.err == corio::errc::deadline_exceeded);
    CHECK(r.items < cfg.count);
    CHECK(took >= 50ms); // r.took starts inside run(), after the deadline's clock did
    CHECK(took < 5s);    // the cut is prompt: not the 25 s the whole run would take
    CHECK(all_stages_ended(e.engine));
}

TEST_CASE("pipeline: a cancel from another thread cuts it too") {
    test::running_engine e(4);
    pipeline::config cfg;
    cfg.count = 100000;
    cfg.work = 1ms;
    auto [ctx, cancel] = corio::with_cancel(corio::context());
    std::thread canceler([c = cancel] {
        std::this_thread::sleep_for(30ms);
        c();
    });
    auto r = test::run_on(e.loop(1), pipeline::run(e.engine, cfg, ctx), 20000ms);
    canceler.join();
    CHECK_FALSE(r.finished);
    CHECK(r.err == corio::errc::canceled);
    CHECK(r.items < cfg.count);
    CHECK(all_stages_ended(e.engine));
}
