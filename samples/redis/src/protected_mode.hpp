// Protected mode as Redis 7.0 has it: while protected-mode is yes and the default user has no
// password (nopass), only loopback and unix-socket clients are served; any other gets Redis's
// DENIED error and is closed before it can send anything (whatever bind says, unlike Redis 6).
#pragma once

#include <string_view>

namespace corio_redis {

/// The decision, for a new connection.
constexpr bool protected_mode_refuses(bool protected_mode, bool default_user_nopass,
                                      bool local_peer) noexcept {
    return protected_mode && default_user_nopass && !local_peer;
}

/// Redis's reply to such a client, as sent (RESP error line included).
inline constexpr std::string_view protected_mode_denial =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to Redis you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration "
    "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    "If you started the server manually just for testing, restart it with the '--protected-mode "
    "no' option. 4) Setup a an authentication password for the default user. NOTE: You only "
    "need to do one of the above things in order for the server to start accepting connections "
    "from the outside.\r\n";

} // namespace corio_redis
