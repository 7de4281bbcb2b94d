// corio::task is Asio's awaitable, so a corio handler can co_await any Asio operation
// (timers, channels, resolvers) as well as corio's own.
#pragma once

#include <corio/config.hpp>

#include <boost/asio/awaitable.hpp>

namespace corio {

/// A coroutine returning T, run on a loop's executor.
template <class T = void>
using task = boost::asio::awaitable<T>;

} // namespace corio
