// The hop a connection's awaitable calls take when made from another loop: the operation
// starts on the owning loop (its checks included) and the caller resumes on its own executor.
#pragma once

#include <corio/connection.hpp>
#include <corio/loop.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace corio {

template <class F>
auto connection::on_owner(F make_op) {
    return boost::asio::co_spawn(loop_.get_executor(), std::move(make_op),
                                 boost::asio::use_awaitable);
}

} // namespace corio
