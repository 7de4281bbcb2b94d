// The server's shared state; see server.hpp.
#include "server.hpp"

#include "commands/command_info.hpp"
#include "notify.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace corio_redis {

std::int64_t unix_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

server::server(corio::engine& engine, config& cfg) : engine_(engine), cfg_(cfg) {
    for (std::size_t i = 0; i < engine.loop_count(); ++i) {
        shards_.push_back(std::make_unique<shard>(i, engine.get_loop(i), cfg.databases()));
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
#ifndef NDEBUG
    // COMMAND's docs must describe exactly these commands: debug builds (the tests') say
    // where they do not and stop.
    if (auto problems = command_docs_problems(commands_); !problems.empty()) {
        for (const auto& p : problems) std::fprintf(stderr, "command docs: %s\n", p.c_str());
        std::abort();
    }
#endif
}

const command_spec* server::lookup(std::string_view name) const {
    char buf[32];
    if (name.size() >= sizeof buf) return nullptr;
    for (std::size_t i = 0; i < name.size(); ++i)
        buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    auto it = commands_.find(std::string(buf, name.size()));
    return it == commands_.end() ? nullptr : &it->second;
}

void server::start_expiry() {
    // Redis samples 20 keys per database hz times a second; a shard does the same on its
    // own loop, so expiry never takes a lock.
    using namespace std::chrono_literals;
    for (std::size_t i = 0; i < shards_.size(); ++i) {
        shard* s = shards_[i].get();
        engine_.every(100ms,
                      [s] {
                          std::int64_t now = unix_ms();
                          for (auto& d : s->dbs) {
                              // Redis gives its resizes a millisecond a cron run: about
                              // this many buckets here.
                              d.rehash_some(10000);
                              s->expired_keys += d.expire_some(now, 20);
                          }
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
