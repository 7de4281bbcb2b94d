// The built-in balancers.
#include <corio/balancer.hpp>
#include <corio/loop.hpp>

#include <atomic>
#include <fmt/format.h>
#include <netinet/in.h>
#include <stdexcept>
#include <string_view>

namespace corio {
namespace {

class least_connections_balancer final : public balancer {
public:
    std::size_t pick(std::span<loop* const> loops, const endpoint*) override {
        std::size_t best = 0;
        std::size_t best_count = loops[0]->connection_count();
        for (std::size_t i = 1; i < loops.size(); ++i) {
            std::size_t c = loops[i]->connection_count();
            if (c < best_count) {
                best = i;
                best_count = c;
            }
        }
        return best;
    }
};

class round_robin_balancer final : public balancer {
public:
    std::size_t pick(std::span<loop* const> loops, const endpoint*) override {
        return next_.fetch_add(1, std::memory_order_relaxed) % loops.size();
    }

private:
    std::atomic<std::size_t> next_{0};
};

class source_addr_hash_balancer final : public balancer {
public:
    std::size_t pick(std::span<loop* const> loops, const endpoint* remote) override {
        if (!remote) return 0;
        std::string_view key;
        const sockaddr* sa = remote->data();
        if (sa->sa_family == AF_INET) {
            auto* in = reinterpret_cast<const sockaddr_in*>(sa);
            key = {reinterpret_cast<const char*>(&in->sin_addr), sizeof in->sin_addr};
        } else if (sa->sa_family == AF_INET6) {
            auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
            key = {reinterpret_cast<const char*>(&in6->sin6_addr), sizeof in6->sin6_addr};
        }
        // FNV-1a: stable across runs and processes, unlike std::hash.
        std::uint64_t h = 1469598103934665603ull;
        for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
        return static_cast<std::size_t>(h % loops.size());
    }
    bool needs_remote_endpoint() const noexcept override { return true; }
};

} // namespace

std::shared_ptr<balancer> least_connections() {
    return std::make_shared<least_connections_balancer>();
}
std::shared_ptr<balancer> round_robin() {
    return std::make_shared<round_robin_balancer>();
}
std::shared_ptr<balancer> source_addr_hash() {
    return std::make_shared<source_addr_hash_balancer>();
}

std::shared_ptr<balancer> make_balancer(std::string_view name) {
    if (name == "least_connections") return least_connections();
    if (name == "round_robin") return round_robin();
    if (name == "source_addr_hash") return source_addr_hash();
    throw std::invalid_argument(
        fmt::format("corio: unknown balancer '{}' (expected least_connections, round_robin or "
                    "source_addr_hash)",
                    name));
}

} // namespace corio
