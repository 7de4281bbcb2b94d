// wait_group, mutex, semaphore and once across loops.
#include "go_support.hpp"

#include <thread>

using namespace std::chrono_literals;

TEST_CASE("wait_group: wait returns once every done() came, from any loop") {
    test::running_engine e(4);
    corio::wait_group wg;
    std::atomic<int> finished{0};
    wg.add(40);
    for (int i = 0; i < 40; ++i)
        corio::go(e.loop(i % 4), [&wg, &finished, i]() -> corio::task<> {
            co_await corio::sleep(std::chrono::milliseconds(i % 7));
            ++finished;
            wg.done();
        });
    test::run_on(e.loop(0), [](corio::wait_group& wg) -> corio::task<> { co_await wg.wait(); }(wg));
    CHECK(finished == 40);
    CHECK(wg.count() == 0);
    CHECK_THROWS_AS(wg.done(), std::logic_error); // below zero, as Go panics
    test::run_on(e.loop(1), [](corio::wait_group& wg) -> corio::task<> { co_await wg.wait(); }(wg));
}

TEST_CASE("mutex: increments under the lock from 4 loops are never lost") {
    test::running_engine e(4);
    corio::mutex mu;
    long long counter = 0; // plain: only touched under mu
    corio::wait_group wg;
    wg.add(16);
    for (int i = 0; i < 16; ++i)
        corio::go(e.loop(i % 4), [&]() -> corio::task<> {
            for (int n = 0; n < 2000; ++n) {
                auto g = co_await mu.scoped_lock();
                long long v = counter;
                if (n % 100 == 0) co_await corio::sleep(0ms); // hold it across a suspension
                counter = v + 1;
            }
            wg.done();
        });
    test::run_on(e.loop(0), [](corio::wait_group& wg) -> corio::task<> { co_await wg.wait(); }(wg));
    CHECK(counter == 16 * 2000);
    CHECK(mu.try_lock());
    CHECK_FALSE(mu.try_lock());
    mu.unlock();
}

TEST_CASE("semaphore: at most n holders at once") {
    test::running_engine e(4);
    corio::semaphore sem(3);
    std::atomic<int> inside{0}, most{0};
    corio::wait_group wg;
    wg.add(24);
    for (int i = 0; i < 24; ++i)
        corio::go(e.loop(i % 4), [&]() -> corio::task<> {
            co_await sem.acquire();
            int now = ++inside;
            int m = most.load();
            while (now > m && !most.compare_exchange_weak(m, now)) {
            }
            co_await corio::sleep(3ms);
            --inside;
            sem.release();
            wg.done();
        });
    test::run_on(e.loop(0), [](corio::wait_group& wg) -> corio::task<> { co_await wg.wait(); }(wg));
    CHECK(most.load() <= 3);
    CHECK(most.load() >= 2);
    CHECK(sem.available() == 3);
}

TEST_CASE("once: runs fn once; concurrent callers wait for it") {
    test::running_engine e(4);
    corio::once o;
    std::atomic<int> runs{0}, after{0};
    corio::wait_group wg;
    wg.add(20);
    for (int i = 0; i < 20; ++i)
        corio::go(e.loop(i % 4), [&]() -> corio::task<> {
            co_await o.call([&]() -> corio::task<> {
                co_await corio::sleep(20ms);
                ++runs;
            });
            if (runs == 1) ++after; // every caller returns after fn finished
            wg.done();
        });
    test::run_on(e.loop(0), [](corio::wait_group& wg) -> corio::task<> { co_await wg.wait(); }(wg));
    CHECK(runs == 1);
    CHECK(after == 20);
    CHECK(o.is_done());
}
