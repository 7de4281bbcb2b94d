// Balancers pick the loop for each accepted (or dialed) socket. corio ships
// least_connections (the default), round_robin and source_addr_hash; implement `balancer`
// for anything else.
#pragma once

#include <corio/config.hpp>

#include <boost/asio/generic/stream_protocol.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace corio {

class loop;

class balancer {
public:
    using endpoint = boost::asio::generic::stream_protocol::endpoint;
    virtual ~balancer() = default;

    /// Index into `loops` (never empty) for a new connection from `remote`. Called on the
    /// acceptor's thread; loops may be serving meanwhile, so counts are a snapshot.
    virtual std::size_t pick(std::span<loop* const> loops, const endpoint* remote) = 0;

    /// True if pick() needs the peer's address (then the socket is accepted first and moved
    /// to its loop after; otherwise it is accepted straight onto the picked loop).
    virtual bool needs_remote_endpoint() const noexcept { return false; }
};

/// The loop with the fewest live connections (ties: the lowest index).
std::shared_ptr<balancer> least_connections();
/// Loops in turn.
std::shared_ptr<balancer> round_robin();
/// A hash of the peer's IP address (not port), so one client host always lands on one loop.
std::shared_ptr<balancer> source_addr_hash();
/// By name: "least_connections", "round_robin" or "source_addr_hash"; throws
/// std::invalid_argument for anything else.
std::shared_ptr<balancer> make_balancer(std::string_view name);

} // namespace corio
