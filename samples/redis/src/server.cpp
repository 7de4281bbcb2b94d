// The server's shared state; see server.hpp.
#include "server.hpp"

#include "command_clock.hpp"
#include "commands/command_info.hpp"
#include "commands/docs/docs.hpp"
#include "eviction.hpp"
#include "notify.hpp"
#include "process_info.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace corio_redis {

std::int64_t unix_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

server::server(corio::engine& engine, config& cfg)
    : started_unix_ms(unix_ms()), engine_(engine), cfg_(cfg) {
    command_clock::calibrate();
    for (std::size_t i = 0; i < engine.loop_count(); ++i) {
        shards_.push_back(std::make_unique<shard>(i, engine.get_loop(i), cfg.databases()));
        stats_.push_back(std::make_unique<loop_stats>());
        shard* s = shards_.back().get();
        for (std::size_t d = 0; d < s->dbs.size(); ++d) {
            s->dbs[d].set_event_hook(
                [this, s, d](std::uint32_t cls, std::string_view event, std::string_view key) {
                    notify_keyspace_event(*this, *s, d, cls, event, key);
                });
        }
    }
    register_connection_commands(commands_);
    register_string_commands(commands_);
    register_key_commands(commands_);
    register_server_commands(commands_);
    register_list_commands(commands_);
    register_hash_commands(commands_);
    register_set_commands(commands_);
    register_bitmap_commands(commands_);
    register_introspection_commands(commands_);
    register_slowlog_commands(commands_);
    register_function_commands(commands_);
    register_persistence_commands(commands_);
    register_acl_commands(commands_);
    snapshots_ = std::make_unique<persist::snapshotter>(*this);
    aof_ = std::make_unique<persist::append_only_file>(*this);
    // Redis counts these per subcommand in INFO commandstats ("cmdstat_config|get").
    static constexpr std::string_view containers[] = {
        "acl",    "client", "cluster", "command", "config",  "function", "latency", "memory",
        "module", "object", "pubsub",  "script",  "slowlog", "xgroup",   "xinfo"};
    for (auto& [name, spec] : commands_) {
        if (std::find(std::begin(containers), std::end(containers), name) != std::end(containers))
            spec.flags |= cmd_subcommands;
        spec.stat_id = static_cast<std::uint16_t>(stat_names_.id_of(name));
        spec.acl_id = acl::known_commands().find(name);
    }
    // maxmemory refuses what Redis flags denyoom: COMMAND's facts say which.
    for (const docs::command_doc* d : docs::all_commands()) {
        if (!(d->flags & docs::c_denyoom)) continue;
        if (auto it = commands_.find(std::string(d->name)); it != commands_.end())
            it->second.flags |= cmd_denyoom;
    }
    for (auto& s : shards_)
        for (auto& d : s->dbs) d.set_access_policy(&cfg.access_policy());
    memory_startup = allocated_bytes();
    memory_peak = memory_startup;
#ifndef NDEBUG
    // COMMAND's docs must describe exactly these commands: debug builds (the tests') say
    // where they do not and stop.
    if (auto problems = command_docs_problems(commands_); !problems.empty()) {
        for (const auto& p : problems) std::fprintf(stderr, "command docs: %s\n", p.c_str());
        std::abort();
    }
#endif
    apply_renames();
    acl_.load_at_startup({.requirepass = cfg.requirepass(),
                          .aclfile = cfg.aclfile(),
                          .user_lines = cfg.user_lines(),
                          .all_channels_by_default = cfg.acl_pubsub_all()});
}

// rename-command NAME NEW (NEW empty: the command is gone), as Redis: only the name it is
// called by changes; errors, ACL rules and COMMAND still use its own name.
void server::apply_renames() {
    auto lower = [](std::string_view s) {
        std::string out(s);
        for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    };
    for (const auto& [from, to] : cfg_.renamed_commands()) {
        // Named captures: clang before 16 cannot capture structured bindings (the fuzz build's).
        auto fatal = [&from = from, &to = to](std::string_view why) {
            return std::invalid_argument("*** FATAL CONFIG FILE ERROR (corio-redis) ***\n>>> "
                                         "'rename-command \"" +
                                         from + "\" \"" + to + "\"'\n" + std::string(why));
        };
        auto node = commands_.extract(lower(from));
        if (node.empty()) throw fatal("No such command in rename-command");
        if (to.empty()) continue;
        node.key() = lower(to);
        if (!commands_.insert(std::move(node)).inserted)
            throw fatal("Target command name already exists");
    }
}

std::size_t server::subcommand_stat(const command_spec& spec, std::string_view sub) {
    std::string name(spec.name);
    name += '|';
    for (char ch : sub) name += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return stat_names_.id_of(name);
}

stats_totals server::raw_totals() const {
    constexpr auto relaxed = std::memory_order_relaxed;
    stats_totals t;
    t.per_command.assign(stat_names_.size(), {});
    t.per_error.assign(error_codes_.size(), 0);
    for (const auto& st : stats_) {
        t.commands += st->commands.load(relaxed);
        t.errors += st->errors.load(relaxed);
        t.writes += st->writes.load(relaxed);
        for (std::size_t i = 0; i < t.per_command.size(); ++i) {
            const command_counters& k = st->per_command[i];
            t.per_command[i][0] += k.calls.load(relaxed);
            t.per_command[i][1] += k.usec.load(relaxed);
            t.per_command[i][2] += k.rejected.load(relaxed);
            t.per_command[i][3] += k.failed.load(relaxed);
        }
        for (std::size_t i = 0; i < t.per_error.size(); ++i)
            t.per_error[i] += st->per_error[i].load(relaxed);
    }
    for (const auto& sh : shards_) {
        t.evicted += sh->evicted_keys.load(relaxed);
        for (const auto& d : sh->dbs) {
            t.hits += d.hits();
            t.misses += d.misses();
            t.expired += d.expired();
        }
    }
    return t;
}

stats_totals server::totals() const {
    stats_totals t = raw_totals();
    std::lock_guard lock(baseline_mutex_);
    const stats_totals& b = baseline_;
    t.commands -= b.commands;
    t.errors -= b.errors;
    t.hits -= b.hits;
    t.misses -= b.misses;
    t.expired -= b.expired;
    t.evicted -= b.evicted;
    // (writes are not reset: rdb_changes_since_last_save counts on, as in Redis)
    for (std::size_t i = 0; i < b.per_command.size() && i < t.per_command.size(); ++i)
        for (std::size_t k = 0; k < 4; ++k) t.per_command[i][k] -= b.per_command[i][k];
    for (std::size_t i = 0; i < b.per_error.size() && i < t.per_error.size(); ++i)
        t.per_error[i] -= b.per_error[i];
    return t;
}

void server::reset_stats() {
    stats_totals now = raw_totals();
    std::lock_guard lock(baseline_mutex_);
    baseline_ = std::move(now);
}

const command_spec* server::lookup(std::string_view name) const {
    char buf[32];
    if (name.size() >= sizeof buf) { // only a rename-command name may be this long
        std::string lowered(name);
        for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto it = commands_.find(lowered);
        return it == commands_.end() ? nullptr : &it->second;
    }
    for (std::size_t i = 0; i < name.size(); ++i)
        buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    auto it = commands_.find(std::string(buf, name.size()));
    return it == commands_.end() ? nullptr : &it->second;
}

bool server::save_at_shutdown() {
    const shutdown_save mode = shutdown_mode.load();
    if (mode == shutdown_save::nosave) return true;
    if (mode == shutdown_save::configured && cfg_.save_points().empty()) return true;
    engine_.log(corio::log_level::info, "Saving the final RDB snapshot before exiting.");
    std::string error = snapshots_->save_blocking();
    if (!error.empty()) {
        engine_.log(corio::log_level::error, "Error trying to save the DB: " + error);
        return false;
    }
    return true;
}

void server::start_expiry() {
    // Redis samples 20 keys per database hz times a second; a shard does the same on its
    // own loop, so expiry never takes a lock.
    using namespace std::chrono_literals;
    for (std::size_t i = 0; i < shards_.size(); ++i) {
        shard* s = shards_[i].get();
        engine_.every(100ms,
                      [this, s] {
                          // DEBUG SET-ACTIVE-EXPIRE 0 stops the sampling, not the resizes.
                          const bool expire = active_expire.load(std::memory_order_relaxed);
                          std::int64_t now = unix_ms();
                          for (auto& d : s->dbs) {
                              // Redis gives its resizes a millisecond a cron run: about
                              // this many buckets here.
                              d.rehash_some(10000);
                              if (expire) d.expire_some(now, 20);
                          }
                          // A shard that runs no commands still evicts its share.
                          make_room(*this, *s, now);
                          // The same ticker ages INFO's recent buffer peaks.
                          if (++s->ticks % shard::peak_roll_ticks == 0) {
                              s->recent_input.roll();
                              s->recent_output.roll();
                          }
                      },
                      {.loop = i});
    }
}

} // namespace corio_redis
