// The background timer thread for callers off the loops (see timer_home.hpp).
#include "timer_home.hpp"

#include <corio/loop.hpp>

#include <boost/asio/executor_work_guard.hpp>

#include <pthread.h>
#include <thread>

namespace corio::detail {
namespace {

struct timer_thread {
    boost::asio::io_context context{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        context.get_executor()};
    std::thread thread{[this] {
        ::pthread_setname_np(::pthread_self(), "corio-timers");
        context.run();
    }};
};

} // namespace

boost::asio::io_context::executor_type timer_executor() {
    if (loop* l = loop::current()) return l->get_executor();
    // Never destroyed: contexts and tickers may be used until the process ends, and a
    // detached thread blocked in run() costs nothing at exit.
    static timer_thread* home = [] {
        auto* t = new timer_thread;
        t->thread.detach();
        return t;
    }();
    return home->context.get_executor();
}

} // namespace corio::detail
