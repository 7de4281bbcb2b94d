// Where the Go-style kit's own timers (context deadlines, after, tickers) run: on the calling
// loop, or, for a caller off the loops (main, a worker thread), on one background thread.
#pragma once

#include <boost/asio/io_context.hpp>

namespace corio::detail {

/// The calling loop's executor, or the background timer thread's (started on first use and
/// left running until the process exits). Any thread.
boost::asio::io_context::executor_type timer_executor();

} // namespace corio::detail
