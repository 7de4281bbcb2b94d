// Contexts: Go's tree semantics (a parent's cancel reaches its children, a child's does not
// reach its parent), err() values, deadlines and timeouts, values, wait(), cancel from
// other threads.
#include "go_support.hpp"

#include <thread>

using namespace std::chrono_literals;

TEST_CASE("context: background is never done and has no deadline") {
    corio::context bg;
    CHECK_FALSE(bg.is_done());
    CHECK_FALSE(bg.err());
    CHECK_FALSE(bg.deadline().has_value());
    CHECK_FALSE(bg.done()); // the nil channel
}

TEST_CASE("context: cancel reaches the subtree, never the parent") {
    auto [root, cancel_root] = corio::with_cancel(corio::context());
    auto [a, cancel_a] = corio::with_cancel(root);
    auto [b, cancel_b] = corio::with_cancel(root);
    auto [a1, cancel_a1] = corio::with_cancel(corio::with_value(a, "k", 1));
    cancel_a();
    CHECK(a.err() == corio::errc::canceled);
    CHECK(a1.err() == corio::errc::canceled);
    CHECK(a1.done().closed_and_drained());
    CHECK_FALSE(root.err());
    CHECK_FALSE(b.err());
    cancel_a(); // idempotent
    cancel_root();
    CHECK(root.err() == corio::errc::canceled);
    CHECK(b.err() == corio::errc::canceled);
    // A child of a done parent is done at once.
    auto [late, cancel_late] = corio::with_cancel(root);
    CHECK(late.err() == corio::errc::canceled);
    cancel_b();
    cancel_a1();
    cancel_late();
}

TEST_CASE("context: deadlines and timeouts end with deadline_exceeded") {
    test::running_engine e(1);
    auto [ctx, cancel] = corio::with_timeout(corio::context(), 40ms);
    REQUIRE(ctx.deadline().has_value());
    auto t0 = std::chrono::steady_clock::now();
    test::run_on(e.loop(0), [](corio::context ctx) -> corio::task<> { co_await ctx.wait(); }(ctx));
    auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited >= 35ms);
    CHECK(waited < 2s);
    CHECK(ctx.err() == corio::errc::deadline_exceeded);
    cancel(); // after the deadline: err stays deadline_exceeded
    CHECK(ctx.err() == corio::errc::deadline_exceeded);

    // A child's later deadline gives way to its parent's earlier one (from off the loops:
    // the timer runs on corio's timer thread).
    auto [parent, cancel_parent] = corio::with_timeout(corio::context(), 30ms);
    auto [child, cancel_child] = corio::with_timeout(parent, 10s);
    CHECK(child.deadline() == parent.deadline());
    for (int i = 0; i < 400 && !child.is_done(); ++i) std::this_thread::sleep_for(5ms);
    CHECK(child.err() == corio::errc::deadline_exceeded);
    // A deadline already past is done at once.
    auto [past, cancel_past] =
        corio::with_deadline(corio::context(), std::chrono::steady_clock::now() - 1s);
    CHECK(past.err() == corio::errc::deadline_exceeded);
    cancel_parent();
    cancel_child();
    cancel_past();
}

TEST_CASE("context: values are found up the tree") {
    auto a = corio::with_value(corio::context(), "user", std::string("ann"));
    auto [b, cancel] = corio::with_cancel(a);
    auto c = corio::with_value(b, "request", 17);
    REQUIRE(c.value("user"));
    CHECK(std::any_cast<std::string>(*c.value("user")) == "ann");
    CHECK(std::any_cast<int>(*c.value("request")) == 17);
    CHECK(c.value("missing") == nullptr);
    CHECK(a.value("request") == nullptr);
    cancel();
    CHECK(c.err() == corio::errc::canceled); // through the value node
}

TEST_CASE("context: many waiters on several loops wake on one cancel from a thread") {
    test::running_engine e(4);
    auto [ctx, cancel] = corio::with_cancel(corio::context());
    std::atomic<int> woke{0};
    for (int i = 0; i < 100; ++i)
        corio::go(e.loop(i % 4), [ctx, &woke]() -> corio::task<> {
            co_await ctx.wait();
            ++woke;
        });
    std::this_thread::sleep_for(30ms);
    CHECK(woke == 0);
    std::thread([c = cancel] { c(); }).join();
    for (int i = 0; i < 400 && woke < 100; ++i) std::this_thread::sleep_for(5ms);
    CHECK(woke == 100);
}
