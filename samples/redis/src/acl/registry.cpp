// The users and their versions; see registry.hpp.
#include "registry.hpp"

#include "acl_file.hpp"

#include <algorithm>
#include <stdexcept>

namespace corio_redis::acl {

registry::registry() {
    std::lock_guard lock(mutex_);
    publish_locked("default", user::make_default());
}

void registry::changed_locked() {
    const user& d = *users_.at("default");
    default_requires_auth_.store(!(d.nopass() && d.enabled()), relaxed);
    default_nopass_.store(d.nopass(), relaxed);
    // Release: a session that sees the new version and then takes the mutex finds the users
    // that go with it.
    version_.fetch_add(1, std::memory_order_release);
}

void registry::publish_locked(std::string name, user u) {
    auto it = users_.find(name);
    u.set_identity(it != users_.end() ? it->second->identity() : next_identity_++);
    users_[std::move(name)] = std::make_shared<const user>(std::move(u));
    changed_locked();
}

void registry::replace_locked(std::vector<user> users, bool keep_default_identity) {
    const std::uint64_t default_identity = users_.at("default")->identity();
    std::map<std::string, std::shared_ptr<const user>, std::less<>> fresh;
    for (auto& u : users) {
        const bool is_default = u.name() == "default";
        u.set_identity(is_default && keep_default_identity ? default_identity : next_identity_++);
        std::string name = u.name();
        fresh[std::move(name)] = std::make_shared<const user>(std::move(u));
    }
    if (!fresh.contains("default")) { // Redis's default user, as it starts
        user d = user::make_default();
        d.set_identity(keep_default_identity ? default_identity : next_identity_++);
        fresh["default"] = std::make_shared<const user>(std::move(d));
    }
    users_ = std::move(fresh);
    changed_locked();
}

void registry::load_at_startup(const startup_settings& s) {
    if (!s.requirepass.empty()) set_default_password(s.requirepass);
    if (!s.aclfile.empty() && !s.user_lines.empty())
        throw std::runtime_error(
            "Configuring Redis with users defined in redis.conf and at the same setting an ACL "
            "file path is invalid. This setup is very likely to lead to configuration errors "
            "and security holes, please define either an ACL file or declare users directly in "
            "your redis.conf, but not both.");
    std::vector<user> users;
    std::string error;
    if (!s.user_lines.empty()) {
        // As in Redis, a "user default" line starts from "reset"; other users from nothing.
        auto lines = s.user_lines;
        for (auto& words : lines)
            if (words.size() >= 2 && words[1] == "default")
                words.insert(words.begin() + 2, "reset");
        if (!parse_user_lines(lines, "the config file's user lines", s.all_channels_by_default,
                              users, error))
            throw std::runtime_error("Error in the users of the config file: " + error);
        std::lock_guard lock(mutex_);
        // The default user keeps requirepass's password unless its own line is given.
        if (std::none_of(users.begin(), users.end(),
                         [](const user& u) { return u.name() == "default"; }))
            users.push_back(*users_.at("default"));
        replace_locked(std::move(users), true);
    } else if (!s.aclfile.empty()) {
        if (!read_acl_file(s.aclfile, s.all_channels_by_default, users, error))
            throw std::runtime_error("Aborting corio-redis startup because of ACL errors: " +
                                     error);
        std::lock_guard lock(mutex_);
        replace_locked(std::move(users), true); // requirepass is ignored then, as in Redis
    }
}

snapshot registry::find(std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = users_.find(name);
    return {it == users_.end() ? nullptr : it->second, version_.load(relaxed)};
}

snapshot registry::refresh(const user& u) const {
    std::lock_guard lock(mutex_);
    auto it = users_.find(u.name());
    const bool same_user = it != users_.end() && it->second->identity() == u.identity();
    return {same_user ? it->second : nullptr, version_.load(relaxed)};
}

snapshot registry::authenticate(std::string_view name, std::string_view password) const {
    snapshot s = find(name);
    if (!s.rules || !s.rules->accepts(password)) s.rules = nullptr;
    return s;
}

bool registry::set_user(std::string_view name, std::span<const std::string_view> rules,
                        bool all_channels_by_default, std::string& error) {
    if (!valid_username(name)) {
        error = "ERR Usernames can't contain spaces or null characters";
        return false;
    }
    // Held throughout: two SETUSERs of one user must not lose each other's rules.
    std::lock_guard lock(mutex_);
    auto it = users_.find(name);
    user u = it != users_.end() ? *it->second : user(std::string(name), all_channels_by_default);
    for (std::string_view rule : rules) {
        std::string why;
        if (!u.apply(rule, all_channels_by_default, why)) {
            error = "ERR Error in ACL SETUSER modifier '" + std::string(rule) + "': " + why;
            return false;
        }
    }
    publish_locked(std::string(name), std::move(u));
    return true;
}

std::size_t registry::delete_users(std::span<const std::string_view> names) {
    std::lock_guard lock(mutex_);
    std::size_t deleted = 0;
    for (std::string_view name : names) {
        if (name == "default") continue;
        auto it = users_.find(name);
        if (it == users_.end()) continue;
        users_.erase(it);
        ++deleted;
    }
    if (deleted) changed_locked();
    return deleted;
}

std::vector<std::shared_ptr<const user>> registry::users() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<const user>> out;
    out.reserve(users_.size());
    for (const auto& [name, u] : users_) out.push_back(u);
    return out;
}

std::vector<std::uint64_t> registry::identities() const {
    std::lock_guard lock(mutex_);
    std::vector<std::uint64_t> out;
    out.reserve(users_.size());
    for (const auto& [name, u] : users_) out.push_back(u->identity());
    std::sort(out.begin(), out.end());
    return out;
}

void registry::set_default_password(std::string_view password) {
    std::lock_guard lock(mutex_);
    user d = *users_.at("default");
    std::string ignored;
    d.apply("resetpass", false, ignored);
    d.apply(password.empty() ? std::string("nopass") : ">" + std::string(password), false, ignored);
    publish_locked("default", std::move(d));
}

bool registry::load_file(const std::string& path, bool all_channels_by_default,
                         std::string& error) {
    std::vector<user> users;
    if (!read_acl_file(path, all_channels_by_default, users, error)) return false;
    std::lock_guard lock(mutex_);
    replace_locked(std::move(users), true);
    return true;
}

bool registry::save_file(const std::string& path, std::string& error) const {
    return write_acl_file(path, users(), error);
}

} // namespace corio_redis::acl
