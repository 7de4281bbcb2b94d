// COMMAND and its subcommands (COUNT, LIST, INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP),
// answered from the docs tables (commands/docs/) in Redis 7.0's reply shapes, and the check
// that those tables describe exactly the commands the server registers.
#pragma once

#include "../server.hpp"

#include <string>
#include <vector>

namespace corio_redis {

/// COMMAND [subcommand [arg ...]] (registered with the server commands).
void command_cmd(command_context& c);

/// Where the registered commands and their docs disagree: a command missing from either, a
/// different arity, subcommands the session does not know. Empty when they agree; debug
/// builds refuse to start otherwise (server.cpp).
std::vector<std::string> command_docs_problems(const command_table& registered);

} // namespace corio_redis
