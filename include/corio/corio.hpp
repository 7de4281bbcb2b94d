// corio: C++20 coroutine networking on Boost.Asio, one event loop per core.
// Include this one header for the whole public API.
#pragma once

#include <corio/config.hpp>

#include <corio/address.hpp>
#include <corio/balancer.hpp>
#include <corio/buffer/chain.hpp>
#include <corio/buffer/mixed.hpp>
#include <corio/buffer/pool.hpp>
#include <corio/buffer/ring.hpp>
#include <corio/client.hpp>
#include <corio/connection.hpp>
#include <corio/datagram.hpp>
#include <corio/engine.hpp>
#include <corio/error.hpp>
#include <corio/go.hpp>
#include <corio/event_handler.hpp>
#include <corio/logger.hpp>
#include <corio/loop.hpp>
#include <corio/offload.hpp>
#include <corio/task.hpp>
#include <corio/ticker.hpp>
#include <corio/tls.hpp>
