// Database operations and expiry; see database.hpp.
#include "database.hpp"

namespace corio_redis::db {

std::string_view type_name(value_type t) noexcept {
    switch (t) {
    case value_type::string:
        return "string";
    case value_type::list:
        return "list";
    case value_type::hash:
        return "hash";
    case value_type::set:
        return "set";
    }
    return "none";
}

value value::clone() const {
    switch (type()) {
    case value_type::string:
        return of_string(str());
    case value_type::list:
        return value{std::make_unique<list_type>(*std::get<1>(data))};
    case value_type::hash:
        return value{std::make_unique<hash_type>(*std::get<2>(data))};
    case value_type::set:
        return value{std::make_unique<set_type>(*std::get<3>(data))};
    }
    return {};
}

entry* database::find(std::string_view key, std::int64_t now_ms) {
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    if (it->second.expire_at != 0 && it->second.expire_at <= now_ms) {
        --expiring_;
        map_.erase(it);
        publish_counts();
        return nullptr;
    }
    return &it->second;
}

entry& database::find_or_create(std::string_view key, std::int64_t now_ms, bool& created) {
    if (entry* e = find(key, now_ms)) {
        created = false;
        return *e;
    }
    created = true;
    entry& e = map_.emplace(std::string(key), entry{}).first->second;
    publish_counts();
    return e;
}

entry& database::put(std::string_view key, value val, std::int64_t now_ms, bool keep_ttl) {
    bool created = false;
    entry& e = find_or_create(key, now_ms, created);
    e.val = std::move(val);
    if (!keep_ttl && e.expire_at != 0) {
        e.expire_at = 0;
        --expiring_;
        publish_counts();
    }
    return e;
}

bool database::erase(std::string_view key) {
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    if (it->second.expire_at != 0) --expiring_;
    map_.erase(it);
    publish_counts();
    return true;
}

void database::set_expiry(entry& e, std::int64_t at_ms) {
    if (e.expire_at == 0 && at_ms != 0) ++expiring_;
    if (e.expire_at != 0 && at_ms == 0) --expiring_;
    e.expire_at = at_ms;
    publish_counts();
}

void database::clear() {
    map_.clear();
    expiring_ = 0;
    publish_counts();
    cursor_ = 0;
}

std::size_t database::expire_some(std::int64_t now_ms, std::size_t samples) {
    if (expiring_ == 0 || map_.empty()) return 0;
    std::size_t deleted = 0;
    const std::size_t buckets = map_.bucket_count();
    for (std::size_t n = 0; n < samples; ++n) {
        std::size_t b = cursor_++ % buckets;
        for (auto it = map_.begin(b); it != map_.end(b);) {
            if (it->second.expire_at != 0 && it->second.expire_at <= now_ms) {
                std::string key = it->first; // erase by key: bucket iterators are not erasable
                ++it;
                erase(key);
                ++deleted;
            } else {
                ++it;
            }
        }
    }
    return deleted;
}

} // namespace corio_redis::db
