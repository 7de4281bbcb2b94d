// MONITOR's feed; see monitor.hpp.
#include "monitor.hpp"

#include "command.hpp"
#include "config.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>

namespace corio_redis {

void monitor_list::add(std::uint64_t id, subscriber_ptr target) {
    std::lock_guard lock(mutex_);
    for (auto& [mid, c] : clients_)
        if (mid == id) return;
    clients_.emplace_back(id, std::move(target));
    count_.store(clients_.size(), std::memory_order_relaxed);
}

void monitor_list::remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    std::erase_if(clients_, [id](const auto& m) { return m.first == id; });
    count_.store(clients_.size(), std::memory_order_relaxed);
}

void monitor_list::send(const std::string& line) {
    std::lock_guard lock(mutex_);
    for (auto& [id, target] : clients_) deliver(target, line);
}

std::string monitor_line(std::size_t db, std::string_view address, const std::string_view* args,
                         std::size_t count) {
    using namespace std::chrono;
    auto us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    std::string out = fmt::format("+{}.{:06} [{} {}]", us / 1000000, us % 1000000, db, address);
    // Credentials never reach a monitor: every argument of AUTH, and HELLO's after AUTH.
    const bool auth = count > 0 && iequals(args[0], "auth");
    std::size_t redact_from = auth ? 1 : count, redact_to = count;
    if (count > 0 && iequals(args[0], "hello")) {
        for (std::size_t i = 1; i + 2 < count; ++i) {
            if (iequals(args[i], "auth")) {
                redact_from = i + 1;
                redact_to = std::min(count, i + 3);
                break;
            }
        }
    }
    for (std::size_t i = 0; i < count; ++i) {
        out += ' ';
        if (i >= redact_from && i < redact_to)
            out += "\"(redacted)\"";
        else
            out += quoted_repr(args[i]);
    }
    out += "\r\n";
    return out;
}

} // namespace corio_redis
