// Whether a user may run a command line, checked as Redis 7.0 checks it before running a
// command: the command (or subcommand), then each key with the access its key spec says,
// then each channel of PUBLISH and the subscribes. Also the words of a refusal.
#pragma once

#include "user.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace corio_redis::acl {

enum class denial : std::uint8_t { none, command, key, channel };

struct verdict {
    denial what = denial::none;
    command_id command = no_command; // the command or subcommand checked
    std::size_t arg = 0;             // a refused key or channel: its place in the line
    bool allowed() const noexcept { return what == denial::none; }
};

/// The entry a line runs: the command's own entry `id` (command_spec::acl_id), or for a
/// container its subcommand line[1] (no_command if Redis has no such subcommand).
command_id resolve(command_id id, std::span<const std::string_view> line);

/// `u` may run `line` as command `id` (from resolve; no_command passes)? Commands allowed
/// before AUTH (`noauth`: AUTH, HELLO, QUIT, RESET) pass the command test, as in Redis. Any
/// thread.
verdict check(const user& u, command_id id, bool noauth, std::span<const std::string_view> line);

/// "command", "key" or "channel": ACL LOG's reason.
std::string_view reason_name(denial d) noexcept;
/// What ACL LOG names: the command's full name ("client|id"), the key or the channel.
std::string object_of(const verdict& v, std::span<const std::string_view> line);
/// The error a refused command gets ("NOPERM this user has no permissions to ...").
std::string noperm_error(const verdict& v);
/// The error a command EXEC runs gets when the rules changed after it was queued.
std::string noperm_in_exec_error(const verdict& v);
/// ACL DRYRUN's answer for a refused line.
std::string dryrun_text(const verdict& v, std::span<const std::string_view> line);

} // namespace corio_redis::acl
