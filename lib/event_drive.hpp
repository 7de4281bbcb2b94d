// The coroutines that drive an event_handler: one per stream connection, one per loop's
// datagram socket (lib/event_drive.cpp). serve_events and dial_events start them.
#pragma once

#include <corio/connection.hpp>
#include <corio/datagram.hpp>
#include <corio/engine.hpp>
#include <corio/event_handler.hpp>
#include <corio/task.hpp>

namespace corio::detail {

struct event_driver {
    /// on_open, on_traffic per arrival (or wake), on_close; the connection is closed when
    /// it returns.
    static task<> stream(engine& e, event_handler& h, connection& c);
    /// on_traffic per datagram until the socket ends.
    static task<> datagrams(engine& e, event_handler& h, datagram_socket& s);
};

} // namespace corio::detail
