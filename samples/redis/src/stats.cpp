// The lock-free name registry and the latency monitor; see stats.hpp.
#include "stats.hpp"

#include <algorithm>

namespace corio_redis {

std::size_t name_registry::find(std::string_view name) const noexcept {
    const std::size_t n = size();
    for (std::size_t i = 0; i < n; ++i)
        if (names_[i] == name) return i;
    return npos;
}

std::size_t name_registry::id_of(std::string_view name) {
    if (std::size_t id = find(name); id != npos) return id;
    std::lock_guard lock(adding_);
    // Another loop may have added it meanwhile.
    const std::size_t n = count_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < n; ++i)
        if (names_[i] == name) return i;
    if (n == capacity_) return npos;
    names_[n] = std::string(name);
    count_.store(n + 1, std::memory_order_release);
    return n;
}

void latency_monitor::add(std::string_view event, std::int64_t unix_time, std::uint64_t ms) {
    std::lock_guard lock(mutex_);
    auto it = events_.find(event);
    if (it == events_.end()) it = events_.emplace(std::string(event), series{}).first;
    series& s = it->second;
    s.max_ms = std::max(s.max_ms, ms);
    // One sample per second, the worst of that second, as Redis keeps them.
    if (!s.samples.empty() && s.samples.back().unix_time == unix_time) {
        s.samples.back().ms = std::max(s.samples.back().ms, ms);
        return;
    }
    s.samples.push_back({unix_time, ms});
    if (s.samples.size() > 160) s.samples.pop_front();
}

std::map<std::string, latency_monitor::series, std::less<>> latency_monitor::snapshot() const {
    std::lock_guard lock(mutex_);
    return events_;
}

std::size_t latency_monitor::reset(std::span<const std::string_view> events) {
    std::lock_guard lock(mutex_);
    if (events.empty()) {
        std::size_t n = events_.size();
        events_.clear();
        return n;
    }
    std::size_t n = 0;
    for (auto name : events) {
        auto it = events_.find(name);
        if (it == events_.end()) continue;
        events_.erase(it);
        ++n;
    }
    return n;
}

} // namespace corio_redis
