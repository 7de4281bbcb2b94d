// Per-connection read deadlines from handlers (Go's SetReadDeadline): a waiting read times
// out at the deadline, later reads time out at once, moving the deadline lets reads go on.
#include "support.hpp"

namespace {
using namespace std::chrono_literals;
}

TEST_CASE("read deadline: times out a waiting read, sticks, and can be lifted") {
    struct seen {
        std::mutex m;
        std::vector<std::string> events;
        void add(std::string e) {
            std::lock_guard lock(m);
            events.push_back(std::move(e));
        }
    } log;
    std::atomic<long long> waited_ms{-1};
    test::running_engine srv(test::test_options(1), [&](corio::connection& c) -> corio::task<> {
        using clock = corio::connection::clock;
        auto t0 = clock::now();
        c.set_read_deadline(t0 + 200ms);
        auto first = co_await c.read();
        waited_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0).count();
        log.add(first ? "data" : c.error() == corio::errc::timed_out ? "timed_out" : "other");
        // Past the deadline: the next read fails at once.
        auto second = co_await c.read();
        log.add(second ? "data" : c.error() == corio::errc::timed_out ? "timed_out" : "other");
        c.set_read_deadline(clock::time_point::max());
        c.write("lifted\n");
        co_await c.flush();
        auto third = co_await c.read();
        log.add(third ? std::string(third) : "none");
        // A new deadline applies to the next read.
        c.discard(third.size());
        auto reader = c.read();
        c.set_read_deadline(clock::now() + 100ms);
        auto fourth = co_await std::move(reader);
        log.add(fourth ? "data" : c.error() == corio::errc::timed_out ? "timed_out" : "other");
    });
    test::client cl(srv.port);
    CHECK(cl.recv(7, 5s) == "lifted\n");
    REQUIRE(cl.send("x"));
    CHECK(test::eventually([&] {
        std::lock_guard lock(log.m);
        return log.events.size() == 4;
    }));
    std::lock_guard lock(log.m);
    REQUIRE(log.events.size() == 4);
    CHECK(log.events[0] == "timed_out");
    CHECK(log.events[1] == "timed_out");
    CHECK(log.events[2] == "x");
    CHECK(log.events[3] == "timed_out");
    CHECK(waited_ms.load() >= 180);
    CHECK(waited_ms.load() < 2000);
}
