// SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH and PUBSUB (pubsub.hpp has the
// design). Subscription replies are push messages in RESP3 and arrays in RESP2.
#include "session.hpp"

#include <algorithm>

namespace corio_redis::detail {
namespace {

// `name` ch count: the reply to (un)subscribing, one per channel or pattern.
void subscription_reply(resp::reply& out, std::string_view kind, const std::string_view* name,
                        std::size_t count) {
    out.push(3);
    out.bulk(kind);
    if (name)
        out.bulk(*name);
    else
        out.null();
    out.integer(static_cast<long long>(count));
}

} // namespace

bool session::allowed_when_subscribed(std::string_view name) {
    return name == "subscribe" || name == "unsubscribe" || name == "psubscribe" ||
           name == "punsubscribe" || name == "ping" || name == "quit" || name == "reset" ||
           name == "ssubscribe" || name == "sunsubscribe";
}

corio::task<> session::change_subscription(bool pattern, bool add, std::string_view name) {
    delivery_target();
    me_->protocol = client_.protocol;
    auto apply = [this, pattern, add, name](shard& sh) {
        auto& reg = sh.pubsub;
        if (pattern) {
            if (add) {
                reg.patterns.emplace_back(std::string(name), me_);
            } else {
                std::erase_if(reg.patterns,
                              [&](const auto& p) { return p.second == me_ && p.first == name; });
            }
            return;
        }
        if (add) {
            reg.channels[std::string(name)].push_back(me_);
            return;
        }
        auto it = reg.channels.find(name);
        if (it == reg.channels.end()) return;
        std::erase(it->second, me_);
        if (it->second.empty()) reg.channels.erase(it);
    };
    // A channel lives on one shard; a pattern on all of them.
    for (std::size_t s = 0; s < srv_.shard_count(); ++s) {
        if (!pattern && s != srv_.shard_of(name)) continue;
        shard& sh = srv_.shard_at(s);
        auto step = [&] {
            apply(sh);
            return true;
        };
        if (s != here_ || !step()) co_await run_on(sh, step);
    }
}

corio::task<> session::unsubscribe_all_silently() {
    auto channels = std::move(channels_);
    auto patterns = std::move(patterns_);
    channels_.clear();
    patterns_.clear();
    for (auto& ch : channels) co_await change_subscription(false, false, ch);
    for (auto& p : patterns) co_await change_subscription(true, false, p);
}

corio::task<> session::pubsub_command(const parsed_command& c) {
    auto args = args_of(c);
    std::string_view name = c.spec->name;
    const bool pattern = name == "psubscribe" || name == "punsubscribe";
    auto& mine = pattern ? patterns_ : channels_;
    auto count = [&] { return channels_.size() + patterns_.size(); };
    // Redis sends (un)subscription replies even under CLIENT REPLY OFF or SKIP (they are
    // pushes): out now, where the session would drop them.
    auto keep_if_dropped = [this] {
        if (!replies_dropped() || out_bytes_.empty()) return;
        if (conn_.write(out_bytes_)) conn_.flush_soon();
        out_bytes_.clear();
    };
    if (name == "subscribe" || name == "psubscribe") {
        for (std::size_t i = 1; i < args.size(); ++i) {
            if (std::find(mine.begin(), mine.end(), args[i]) == mine.end()) {
                co_await change_subscription(pattern, true, args[i]);
                mine.emplace_back(args[i]);
            }
            subscription_reply(out_, name, &args[i], count());
        }
        keep_if_dropped();
        co_return;
    }
    if (name == "unsubscribe" || name == "punsubscribe") {
        std::vector<std::string> which;
        if (args.size() > 1)
            which.assign(args.begin() + 1, args.end());
        else
            which = mine;
        if (which.empty()) {
            subscription_reply(out_, name, nullptr, count());
            keep_if_dropped();
            co_return;
        }
        for (auto& w : which) {
            auto it = std::find(mine.begin(), mine.end(), w);
            if (it != mine.end()) {
                mine.erase(it);
                co_await change_subscription(pattern, false, w);
            }
            std::string_view view = w;
            subscription_reply(out_, name, &view, count());
        }
        keep_if_dropped();
        co_return;
    }
    if (name == "publish") {
        // What this client had queued goes out first: a message it publishes to itself
        // follows the replies before it. (Not while CLIENT REPLY drops this reply: its
        // place in out_bytes_ must stay where the session will cut it.)
        if (!out_bytes_.empty() && !replies_dropped()) {
            conn_.write(out_bytes_);
            out_bytes_.clear();
        }
        std::size_t receivers = 0;
        shard& sh = srv_.shard_at(srv_.shard_of(args[1]));
        auto step = [&] {
            receivers = sh.pubsub.publish(args[1], args[2], &conn_);
            return true;
        };
        if (sh.index != here_ || !step()) co_await run_on(sh, step);
        out_.integer(static_cast<long long>(receivers));
        co_return;
    }
    // PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT
    std::string sub(args[1]);
    for (char& ch : sub) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (sub == "channels" && args.size() <= 3) {
        std::vector<std::string> names;
        for (std::size_t s = 0; s < srv_.shard_count(); ++s) {
            shard& sh = srv_.shard_at(s);
            auto step = [&] {
                for (auto& [ch, subs] : sh.pubsub.channels)
                    if (args.size() < 3 || glob_match(args[2], ch)) names.push_back(ch);
                return true;
            };
            if (s != here_ || !step()) co_await run_on(sh, step);
        }
        out_.array(names.size());
        for (auto& n : names) out_.bulk(n);
        co_return;
    }
    if (sub == "numsub") {
        std::vector<std::size_t> counts(args.size() - 2, 0);
        for (std::size_t i = 2; i < args.size(); ++i) {
            shard& sh = srv_.shard_at(srv_.shard_of(args[i]));
            auto step = [&] {
                auto it = sh.pubsub.channels.find(args[i]);
                counts[i - 2] = it == sh.pubsub.channels.end() ? 0 : it->second.size();
                return true;
            };
            if (sh.index != here_ || !step()) co_await run_on(sh, step);
        }
        out_.map(counts.size());
        for (std::size_t i = 2; i < args.size(); ++i) {
            out_.bulk(args[i]);
            out_.integer(static_cast<long long>(counts[i - 2]));
        }
        co_return;
    }
    if (sub == "numpat" && args.size() == 2) {
        // Distinct patterns (every shard has all of them: ask this one).
        std::vector<std::string_view> distinct;
        for (auto& [p, s] : srv_.shard_at(here_).pubsub.patterns)
            if (std::find(distinct.begin(), distinct.end(), p) == distinct.end())
                distinct.push_back(p);
        out_.integer(static_cast<long long>(distinct.size()));
        co_return;
    }
    if (sub == "channels") // its arity allows more; the command itself refuses them
        out_.error("ERR unknown subcommand or wrong number of arguments for '" +
                   std::string(args[1]) + "'. Try PUBSUB HELP.");
    else if (sub == "numpat")
        reply_wrong_arity(out_, "pubsub|" + sub);
    else
        out_.error("ERR unknown subcommand '" + std::string(args[1]) + "'. Try PUBSUB HELP.");
}

} // namespace corio_redis::detail
