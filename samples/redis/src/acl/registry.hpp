// The ACL users, shared by every loop. Users change rarely (ACL SETUSER, DELUSER, LOAD, CONFIG
// SET requirepass) and are consulted by every command, so the command path takes no lock: a
// session keeps a shared_ptr to its user's immutable rules (user.hpp) and the registry's
// version it read them at, and before each command compares that version with version() (one
// atomic load of a word written only when users change). Only when they differ does it take
// the mutex, for a fresh copy. Every member may be called from any thread.
#pragma once

#include "acl_log.hpp"
#include "user.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis::acl {

/// A user as a session holds it, and the registry version it was read at.
struct snapshot {
    std::shared_ptr<const user> rules; // null: no such user
    std::uint64_t version = 0;
};

/// What start-up takes from the configuration.
struct startup_settings {
    std::string requirepass;
    std::string aclfile;
    std::vector<std::vector<std::string>> user_lines; // the config file's "user ..." lines
    bool all_channels_by_default = false;             // acl-pubsub-default allchannels
};

class registry {
public:
    registry(); // the default user only: on nopass ~* &* +@all

    /// requirepass, then the users of the config file's user lines or of the aclfile (not
    /// both, as Redis refuses). Throws std::runtime_error with the reason.
    void load_at_startup(const startup_settings& s);

    /// Changes every time a user does.
    std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }
    snapshot find(std::string_view name) const;
    snapshot default_user() const { return find("default"); }
    /// A session authenticated as `u` may go on: `u` is still the user of that name (not
    /// deleted, nor replaced by ACL LOAD). The fresh rules, or none.
    snapshot refresh(const user& u) const;
    /// AUTH: the user if it is on and takes the password, else none.
    snapshot authenticate(std::string_view name, std::string_view password) const;
    /// New clients must AUTH first: the default user is off or has no nopass.
    bool default_requires_auth() const noexcept { return default_requires_auth_.load(relaxed); }
    /// The default user has nopass (protected mode; AUTH <password> is then refused).
    bool default_nopass() const noexcept { return default_nopass_.load(relaxed); }

    /// ACL SETUSER: every rule applies or none; false with the reply's error text.
    bool set_user(std::string_view name, std::span<const std::string_view> rules,
                  bool all_channels_by_default, std::string& error);
    /// ACL DELUSER (never "default": the caller refuses it): how many existed.
    std::size_t delete_users(std::span<const std::string_view> names);
    /// Every user, by name.
    std::vector<std::shared_ptr<const user>> users() const;
    /// The identities of the users there are, sorted: a session whose user's is missing
    /// belongs to a deleted user and is closed.
    std::vector<std::uint64_t> identities() const;
    /// CONFIG SET requirepass: the default user's only password (none: nopass).
    void set_default_password(std::string_view password);
    /// ACL LOAD: every user from the file, or (false, Redis's error) no change at all. The
    /// default user keeps its sessions; every other user is made anew.
    bool load_file(const std::string& path, bool all_channels_by_default, std::string& error);
    /// ACL SAVE.
    bool save_file(const std::string& path, std::string& error) const;

    acl_log& log() noexcept { return log_; }

private:
    static constexpr auto relaxed = std::memory_order_relaxed;
    // Installs the users (the default one among them), keeping the identities of those in
    // `keep`; the caller holds the mutex.
    void replace_locked(std::vector<user> users, bool keep_default_identity);
    void publish_locked(std::string name, user u);
    void changed_locked();

    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const user>, std::less<>> users_;
    std::uint64_t next_identity_ = 1;
    std::atomic<std::uint64_t> version_{1};
    std::atomic<bool> default_requires_auth_{false}, default_nopass_{true};
    acl_log log_;
};

} // namespace corio_redis::acl
