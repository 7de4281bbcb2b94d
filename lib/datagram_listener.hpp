// The engine's side of UDP: one bound datagram_socket per loop for a udp:// address, the
// handler coroutine spawned on each, and the engine's stop hooks for them.
#pragma once

#include <corio/address.hpp>
#include <corio/datagram.hpp>
#include <corio/engine.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace corio::detail {

/// A multicast group to join at serve time (from the URL's query).
struct multicast_join {
    std::string group;
    std::string interface_address;
};

/// Splits "udp://0.0.0.0:5000?join=239.1.2.3&join=239.1.2.4&interface=10.0.0.5" into the
/// address before '?' and the groups to join (`interface` applies to every join). Unknown
/// keys throw std::invalid_argument naming the URL.
std::string_view split_datagram_query(std::string_view url, std::vector<multicast_join>& joins);

class datagram_listener {
public:
    /// Opens and binds one socket per loop on `ep` (SO_REUSEPORT when there are several; with
    /// port 0 the later ones join the port the first got) and makes the joins on the first
    /// socket. Throws std::system_error naming the address on failure.
    datagram_listener(const address& a, udp_endpoint ep, const std::vector<loop*>& loops,
                      const options& opts, datagram_handler h,
                      const std::vector<multicast_join>& joins, std::atomic<std::size_t>& live);

    const std::string& local() const noexcept { return local_; }
    std::uint16_t port() const noexcept { return port_; }

    /// Spawns the handler on each socket's loop (once). Any thread.
    void start();
    /// Wakes each socket's receive() with errc::shutting_down. Any thread.
    void begin_shutdown();
    /// Closes each socket (receive() returns errc::closed). Any thread.
    void force_close();

private:
    address addr_;
    const options& opts_;
    std::shared_ptr<const datagram_handler> handler_;
    std::vector<std::shared_ptr<datagram_socket>> sockets_;
    std::atomic<std::size_t>& live_; // the engine's count of running datagram handlers
    std::string local_;
    std::uint16_t port_ = 0;
    bool started_ = false;
};

} // namespace corio::detail
