// The commands ACL rules name: every command and subcommand of Redis 7.0.15 with its ACL
// categories, whether corio-redis has it or not, so that rules and ACL files written for Redis
// load here unchanged and ACL LIST words them as Redis does. Built once, on first use, and
// read-only afterwards: any thread may use it without a lock.
#pragma once

#include "../commands/docs/docs.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace corio_redis::acl {

/// A command's (or subcommand's) bit in a user's permissions.
using command_id = std::uint32_t;
inline constexpr command_id no_command = UINT32_MAX;

/// How a command uses channels, for the channel check (Redis: PUBLISH and the subscribes).
enum class channel_use : std::uint8_t { none, publish, subscribe, psubscribe };

struct command_entry {
    std::string name;             // lower case: "get", "client|list"
    std::uint32_t categories = 0; // docs::acl_category bits
    command_id parent = no_command;
    std::vector<command_id> subcommands;
    const docs::command_doc* doc = nullptr; // corio's docs (key specs); null when corio lacks it
    channel_use channels = channel_use::none;
};

/// A command Redis 7.0.15 has and corio-redis's docs do not describe (missing_commands.cpp).
struct lacked_command {
    std::string_view name; // "zadd", "client|tracking": a container comes before its subcommands
    std::uint32_t categories;
};
std::span<const lacked_command> commands_corio_lacks();

class command_set {
public:
    command_set(); // corio's docs tables, then what corio lacks

    std::size_t size() const noexcept { return entries_.size(); }
    const command_entry& at(command_id id) const { return entries_[id]; }
    /// The top-level commands, in a fixed order (ACL LIST names single commands in it).
    const std::vector<command_id>& top_level() const noexcept { return tops_; }
    /// "get", "CLIENT|List" (one level of subcommands), any case; no_command if unknown.
    command_id find(std::string_view name) const;
    /// A container's subcommand by its own name, any case; no_command if it has none such.
    command_id find_subcommand(command_id container, std::string_view sub) const;

    /// A category's bit by name without the '@' ("string"), any case; 0 if unknown.
    static std::uint32_t category(std::string_view name);

private:
    command_id add(std::string_view name, std::uint32_t categories, const docs::command_doc* doc);
    std::vector<command_entry> entries_;
    std::vector<command_id> tops_;
    std::unordered_map<std::string, command_id> by_name_;
};

/// The one set, made on first use. Any thread.
const command_set& known_commands();

} // namespace corio_redis::acl
