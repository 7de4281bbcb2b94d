// What the server knows of one client connection beyond its socket: the selected database,
// protocol version, name, authentication, and the flags commands set (QUIT, RESET). Owned by
// the connection's coroutine; a command running on another shard only reads it.
#pragma once

#include <cstdint>
#include <string>

namespace corio_redis {

struct client_state {
    std::uint64_t id = 0;
    std::size_t db = 0;
    int protocol = 2;
    bool authenticated = true;
    bool close_after_reply = false; // QUIT, a protocol error
    bool local_peer = true;         // loopback or unix socket (enable-debug-command local)
    std::string name;
    std::string library_name, library_version; // CLIENT SETINFO
};

} // namespace corio_redis
