// One ACL user: its flags, password hashes and rules (the commands it may run, the keys and
// channels it may touch), changed one ACL SETUSER rule at a time as Redis 7.0 does, checked
// by acl/check.hpp and described by ACL LIST and GETUSER (user_describe.cpp). A published user
// is never changed: the registry (registry.hpp) swaps in a changed copy, so sessions read
// theirs without a lock.
#pragma once

#include "command_bits.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio_redis::acl {

enum key_permission : std::uint8_t { key_read = 1, key_write = 2, key_read_write = 3 };

struct key_pattern {
    std::string pattern;
    std::uint8_t permissions; // key_permission bits
};

class user {
public:
    /// A new user as ACL SETUSER makes one: off, no password, no commands or keys; every
    /// channel only if acl-pubsub-default is allchannels.
    user(std::string name, bool all_channels_by_default);
    /// The default user as Redis starts it: on nopass ~* &* +@all.
    static user make_default();

    /// Applies one rule ("on", ">secret", "+@read", "~cache:*", "reset"...); false with
    /// Redis's reason in `error` if it is not valid (the user may be half changed then: apply
    /// rules to a copy, as the registry does).
    bool apply(std::string_view rule, bool all_channels_by_default, std::string& error);

    const std::string& name() const noexcept { return name_; }
    /// Sessions authenticated as this user; kept by SETUSER, new when the user is made anew
    /// (ACL SETUSER of a new name, ACL LOAD). Set by the registry.
    std::uint64_t identity() const noexcept { return identity_; }
    void set_identity(std::uint64_t id) noexcept { identity_ = id; }

    bool enabled() const noexcept { return enabled_; }
    bool nopass() const noexcept { return nopass_; }
    /// AUTH's test: on, and nopass or the password's hash among its own. Any thread.
    bool accepts(std::string_view password) const;

    /// Runs every command on every key and channel: the check stops here.
    bool unrestricted() const noexcept { return all_commands_ && all_keys_ && all_channels_; }
    bool all_commands() const noexcept { return all_commands_; }
    bool all_keys() const noexcept { return all_keys_; }
    bool all_channels() const noexcept { return all_channels_; }
    /// The command (or subcommand) with this line; SELECT 0 may be allowed on its own
    /// (+select|0: Redis's first-arg rule).
    bool may_run(command_id id, std::span<const std::string_view> line) const;
    /// A key the command uses as its key spec says (docs::key_flag bits).
    bool may_access_key(std::string_view key, unsigned key_flags) const;
    /// A channel PUBLISH or SUBSCRIBE names (matched against the patterns), or a pattern
    /// PSUBSCRIBE names (which must be one of them, literally).
    bool may_use_channel(std::string_view channel, bool is_pattern) const;

    // ---- descriptions (user_describe.cpp) ----------------------------------------------
    /// The rules as ACL LIST writes them after "user <name> ".
    std::string describe() const;
    /// ACL GETUSER's fields.
    std::vector<std::string_view> flag_names() const;
    const std::vector<std::string>& password_hashes() const noexcept { return passwords_; }
    std::string describe_commands() const;
    std::string describe_keys() const;
    std::string describe_channels() const;

private:
    bool apply_command_rule(std::string_view rule, std::string& error);
    bool apply_key_pattern(std::string_view rule, std::string& error);
    void change(command_id id, bool on);
    void reset_first_args(command_id id);

    std::string name_;
    std::uint64_t identity_ = 0;
    bool enabled_ = false, nopass_ = false;
    bool sanitize_payload_ = false, skip_sanitize_payload_ = false; // shown, not acted on
    std::vector<std::string> passwords_; // SHA-256 in lower-case hex, in the order added
    command_bits commands_;
    bool all_commands_ = false; // Redis's allcommands flag: set by +@all, cleared by any -
    std::vector<std::pair<command_id, std::vector<std::string>>> first_args_;
    bool all_keys_ = false;
    std::vector<key_pattern> keys_;
    bool all_channels_ = false;
    std::vector<std::string> channels_;
};

/// Usernames may not hold spaces or NUL bytes (Redis's rule).
bool valid_username(std::string_view name);

} // namespace corio_redis::acl
