// ACL LOG's entries; see acl_log.hpp.
#include "acl_log.hpp"

#include <algorithm>

namespace corio_redis::acl {
namespace {

constexpr std::int64_t grouping_ms = 60000; // repeats this close count on one entry
constexpr std::size_t grouping_scan = 10;   // among the newest entries only

bool same_event(const log_entry& a, const log_entry& b) {
    const std::int64_t apart =
        a.unix_ms > b.unix_ms ? a.unix_ms - b.unix_ms : b.unix_ms - a.unix_ms;
    return a.reason == b.reason && a.context == b.context && apart <= grouping_ms &&
           a.object == b.object && a.username == b.username;
}

} // namespace

void acl_log::add(log_entry e, std::size_t max_len) {
    std::lock_guard lock(mutex_);
    const std::size_t scan = std::min(grouping_scan, entries_.size());
    for (std::size_t i = 0; i < scan; ++i) {
        if (!same_event(entries_[i], e)) continue;
        log_entry repeat = std::move(entries_[i]);
        entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
        ++repeat.count;
        repeat.client_info = std::move(e.client_info);
        repeat.unix_ms = e.unix_ms;
        entries_.push_front(std::move(repeat));
        return;
    }
    entries_.push_front(std::move(e));
    while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<log_entry> acl_log::newest(std::size_t count) const {
    std::lock_guard lock(mutex_);
    const std::size_t n = std::min(count, entries_.size());
    return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n)};
}

void acl_log::reset() {
    std::lock_guard lock(mutex_);
    entries_.clear();
}

} // namespace corio_redis::acl
