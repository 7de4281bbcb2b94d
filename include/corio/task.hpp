// corio::task is Asio's awaitable, so a corio handler can co_await any Asio operation
// (timers, channels, resolvers) as well as corio's own.
#pragma once

#include <corio/config.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace corio {

/// A coroutine returning T, run on a loop's executor.
template <class T = void>
using task = boost::asio::awaitable<T>;

/// Starting a task from outside a handler (main, a callback, another thread) is Asio's
/// co_spawn on a loop's executor, e.g.
/// `corio::co_spawn(engine.get_loop(0).get_executor(), job(), corio::detached);`
/// (or a completion handler taking std::exception_ptr instead of detached, to see what it
/// threw). co_spawn may be called from any thread; the task runs on that loop.
using boost::asio::co_spawn;
using boost::asio::detached;

} // namespace corio
