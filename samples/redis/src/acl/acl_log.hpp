// ACL LOG: refused commands, keys and channels, and failed AUTHs, newest first; a repeat of
// an entry (same reason, context, object and user) within a minute counts on that entry, as
// Redis 7.0 groups them. One log for every loop behind a mutex, taken only when something is
// refused and by ACL LOG itself. Any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis::acl {

struct log_entry {
    std::uint64_t count = 1;
    std::string reason;  // command, key, channel, auth
    std::string context; // toplevel, multi
    std::string object;  // the command, key or channel refused; AUTH's command name
    std::string username;
    std::string client_info;  // the client's CLIENT INFO line at the latest repeat
    std::int64_t unix_ms = 0; // the latest repeat
};

class acl_log {
public:
    void add(log_entry e, std::size_t max_len);
    /// Up to `count` entries, newest first.
    std::vector<log_entry> newest(std::size_t count) const;
    void reset();

private:
    mutable std::mutex mutex_;
    std::deque<log_entry> entries_;
};

} // namespace corio_redis::acl
