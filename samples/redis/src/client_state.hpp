// What the server knows of one client connection beyond its socket: the selected database,
// protocol version, name, authentication and ACL user, and the flags commands set (QUIT,
// RESET). Owned by the connection's coroutine; a command running on another shard only reads
// it (and notes ACL refusals in acl_events).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis {

namespace acl {
class user;
}

/// A refusal or failed AUTH for ACL LOG, noted where it happens (possibly on another shard's
/// loop) and logged by the session on its own loop, with its CLIENT INFO line.
struct acl_event {
    std::string_view reason; // command, key, channel, auth
    std::string object, username;
};

struct client_state {
    std::uint64_t id = 0;
    std::size_t db = 0;
    int protocol = 2;
    bool authenticated = true;
    bool close_after_reply = false; // QUIT, a protocol error
    bool local_peer = true;         // loopback or unix socket (enable-debug-command local)
    std::string name;
    std::string library_name, library_version; // CLIENT SETINFO
    // ACL (session_acl.cpp): the user's rules as read at registry version acl_version (the
    // default user until AUTH), what to log, and whether users went (close their sessions).
    std::shared_ptr<const acl::user> user;
    std::uint64_t acl_version = 0;
    std::vector<acl_event> acl_events;
    bool acl_sweep = false;
};

} // namespace corio_redis
