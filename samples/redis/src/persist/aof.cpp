// The append-only file's layout and start-up; see aof.hpp.
#include "aof.hpp"

#include "../commands/encoding.hpp"
#include "../server.hpp"
#include "aof_replay.hpp"
#include "file_io.hpp"
#include "rdb_decode.hpp"
#include "rdb_encode.hpp"
#include "snapshotter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace corio_redis::persist {
namespace {

fsync_policy policy_of(const std::string& v) {
    if (v == "always") return fsync_policy::always;
    if (v == "no") return fsync_policy::no;
    return fsync_policy::everysec;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// Writes `bytes` to `path` through a temporary file, fsynced and renamed, so that the file
// is either the old one or the new one whole.
void write_durably(const std::string& path, const std::string& bytes) {
    const std::string temp = path + ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("Can't create " + temp + ": " + std::strerror(errno));
    if (!write_fully(fd, bytes)) {
        const int e = errno;
        ::close(fd);
        throw std::runtime_error("Can't write " + temp + ": " + std::strerror(e));
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0)
        throw std::runtime_error("Can't rename " + temp + ": " + std::strerror(errno));
}

void sync_directory(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("Can't open " + path + ": " + std::strerror(errno));
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
}

} // namespace

append_only_file::append_only_file(server& srv) : srv_(srv) {}
append_only_file::~append_only_file() = default;

std::string append_only_file::dir_path() const {
    std::string dir = srv_.cfg().dir();
    return (dir.empty() ? std::string(".") : dir) + "/" + dir_;
}
std::string append_only_file::manifest_path() const {
    return dir_path() + "/" + file_ + ".manifest";
}
// Shard 0's file has Redis's name, so that with one loop the directory is Redis's.
std::string append_only_file::incr_name(std::uint64_t seq, std::size_t shard) const {
    if (shard == 0) return fmt::format("{}.{}.incr.aof", file_, seq);
    return fmt::format("{}.{}.incr.{}.aof", file_, seq, shard);
}

void append_only_file::write_manifest(const std::string& base, std::uint64_t seq) const {
    std::vector<std::pair<std::size_t, std::string>> incr;
    for (std::size_t s = 0; s < srv_.shard_count(); ++s) incr.emplace_back(s, incr_name(seq, s));
    write_manifest_of(base, incr);
}

// The sequence number is in each file's name (name.N.base.rdb, name.N.incr[.shard].aof).
static std::uint64_t seq_of(const std::string& name, const std::string& prefix) {
    return std::strtoull(name.c_str() + std::min(name.size(), prefix.size() + 1), nullptr, 10);
}

void append_only_file::write_manifest_of(
    const std::string& base, const std::vector<std::pair<std::size_t, std::string>>& incr) const {
    std::string text;
    if (!base.empty()) text = fmt::format("file {} seq {} type b\n", base, seq_of(base, file_));
    for (const auto& [shard, name] : incr)
        text += fmt::format("file {} seq {} type i shard {}\n", name, seq_of(name, file_), shard);
    write_durably(manifest_path(), text);
    sync_directory(dir_path());
}

std::uint64_t append_only_file::start() {
    const config& cfg = srv_.cfg();
    if (*cfg.get("appendonly") != "yes") return 0;
    set_names();
    const std::string dir = dir_path();
    if (!exists(dir) && ::mkdir(dir.c_str(), 0755) != 0)
        throw std::runtime_error("Can't create the append-only directory " + dir + ": " +
                                 std::strerror(errno));
    std::uint64_t loaded = 0;
    bool fresh = !exists(manifest_path());
    std::vector<std::string> replaced; // the files a new base and logs replace
    if (!fresh) {
        aof_manifest m = read_manifest(read_file(manifest_path()));
        if (!m.base.empty()) {
            struct stat st {};
            if (::stat((dir + "/" + m.base).c_str(), &st) == 0)
                base_size_.store(static_cast<std::uint64_t>(st.st_size));
            replaced.push_back(m.base);
        }
        for (const auto& [shard, name] : m.incr) replaced.push_back(name);
        base_name_ = m.base;
        incr_files_ = m.incr;
        replay_result r = replay_aof(srv_, dir, m, *cfg.get("aof-load-truncated") == "yes");
        loaded = r.keys;
        seq_ = m.seq;
        // Another loop count than the files were written with: the keys go to other shards,
        // so the logs start over from a new base of what was loaded.
        fresh = m.shards != srv_.shard_count();
        if (fresh) seq_ = m.seq + 1;
        for (const auto& line : r.warnings) srv_.engine().log(corio::log_level::warn, line);
    }
    if (fresh) {
        // The base: a snapshot of what there is (nothing on a first start), written whole
        // before any shard runs.
        std::string base;
        rdb_encoder enc(base, cfg.rdbcompression());
        enc.header();
        enc.aux("redis-ver", "7.0.15");
        enc.aux("redis-bits", 64LL);
        enc.aux("aof-base", 1LL);
        for (std::size_t s = 0; s < srv_.shard_count(); ++s) {
            for (auto& d : srv_.shard_at(s).dbs) {
                if (d.size() == 0) continue;
                enc.select_db(d.index());
                d.entries().for_each([&](std::string_view key, const db::entry& e) {
                    enc.key_value(key, e.val, e.expire_at, -1, -1);
                });
            }
        }
        enc.eof();
        const std::string base_name = fmt::format("{}.{}.base.rdb", file_, seq_);
        write_durably(dir + "/" + base_name, base);
        base_size_.store(base.size());
        write_manifest(base_name, seq_);
        base_name_ = base_name;
        incr_files_.clear();
        for (std::size_t sh = 0; sh < srv_.shard_count(); ++sh)
            incr_files_.emplace_back(sh, incr_name(seq_, sh));
        // The new manifest no longer names the old files: they can go.
        for (const auto& name : replaced) ::unlink((dir + "/" + name).c_str());
    }
    for (std::size_t s = 0; s < srv_.shard_count(); ++s) {
        shard& sh = srv_.shard_at(s);
        logs_.push_back(std::make_unique<aof_log>(
            dir + "/" + incr_name(seq_, s), policy_,
            [&sh](std::function<void()> f) { sh.loop.post(std::move(f)); }));
        sh.aof = logs_.back().get();
    }
    enabled_.store(true);
    want_on_.store(true);
    return loaded;
}

void append_only_file::set_names() {
    const config& cfg = srv_.cfg();
    policy_.store(policy_of(*cfg.get("appendfsync")));
    dir_ = *cfg.get("appenddirname");
    file_ = *cfg.get("appendfilename");
}

void append_only_file::config_changed() {
    const fsync_policy p = policy_of(*srv_.cfg().get("appendfsync"));
    policy_.store(p);
    for (auto& l : logs_)
        if (l) l->set_policy(p);
    const bool wanted = *srv_.cfg().get("appendonly") == "yes";
    want_on_.store(wanted);
    if (wanted == enabled_.load() || switching_.exchange(true)) return;
    if (wanted)
        corio::co_spawn(srv_.shard_at(0).loop.get_executor(), turn_on(), corio::detached);
    else
        srv_.shard_at(0).loop.post([this] { turn_off(); });
}

// Runs on the first loop. The logs are made at the rewrite's point in time, on each shard's
// loop; the files replace any earlier ones once the base is on disk.
corio::task<> append_only_file::turn_on() {
    set_names();
    const std::string dir = dir_path();
    if (!exists(dir) && ::mkdir(dir.c_str(), 0755) != 0) {
        srv_.engine().log(corio::log_level::warn, "Can't create the append-only directory " + dir +
                                                      ": " + std::strerror(errno));
        switching_.store(false);
        co_return;
    }
    std::vector<std::string> old;
    if (exists(manifest_path())) { // from an earlier run: new files after its numbers
        try {
            aof_manifest m = read_manifest(read_file(manifest_path()));
            seq_ = m.seq;
            if (!m.base.empty()) old.push_back(m.base);
            for (const auto& [shard, name] : m.incr) old.push_back(name);
        } catch (const std::exception&) {
        }
    }
    const std::uint64_t next = seq_ + 1;
    {
        std::lock_guard lock(files_mutex_);
        logs_.resize(srv_.shard_count());
    }
    snapshot_target target{dir, fmt::format("{}.{}.base.rdb", file_, next),
                           [this, next, dir](shard& s) {
                               auto made = std::make_unique<aof_log>(
                                   dir + "/" + incr_name(next, s.index), policy_.load(),
                                   [&s](std::function<void()> f) { s.loop.post(std::move(f)); });
                               s.aof = made.get();
                               std::lock_guard lock(files_mutex_);
                               logs_[s.index] = std::move(made);
                           },
                           false};
    snapshotter::done_fn done = [this, next, old, dir](const std::string& error) {
        switching_.store(false);
        if (!error.empty()) {
            srv_.engine().log(corio::log_level::warn,
                              "Background AOF rewrite failed (appendonly stays off): " + error);
            turn_off();
            return;
        }
        {
            std::lock_guard lock(files_mutex_);
            seq_ = next;
            base_name_ = fmt::format("{}.{}.base.rdb", file_, next);
            incr_files_.clear();
            for (std::size_t s = 0; s < srv_.shard_count(); ++s)
                incr_files_.emplace_back(s, incr_name(next, s));
            write_manifest_of(base_name_, incr_files_);
            struct stat st {};
            if (::stat((dir + "/" + base_name_).c_str(), &st) == 0)
                base_size_.store(static_cast<std::uint64_t>(st.st_size));
        }
        for (const auto& name : old) ::unlink((dir + "/" + name).c_str());
        rewrites_.fetch_add(1);
        enabled_.store(true);
        srv_.engine().log(corio::log_level::info, "Background append only file rewriting "
                                                  "finished: appendonly is on");
    };
    std::string error = co_await srv_.snapshots().start_to(0, std::move(done), std::move(target));
    if (!error.empty()) {
        // A snapshot was under way: the schedule's check starts this again after it (CONFIG
        // SET said OK, as Redis does).
        switching_.store(false);
        rewrite_scheduled_.store(true);
    }
}

// Runs on the first loop: each shard stops logging on its own loop, then the logs write and
// sync what they hold and close.
void append_only_file::turn_off() {
    enabled_.store(false);
    auto left = std::make_shared<std::atomic<std::size_t>>(srv_.shard_count());
    for (std::size_t i = 0; i < srv_.shard_count(); ++i) {
        shard& sh = srv_.shard_at(i);
        sh.loop.post([this, &sh, left] {
            sh.aof = nullptr;
            if (left->fetch_sub(1) != 1) return;
            srv_.shard_at(0).loop.post([this] {
                {
                    std::lock_guard lock(files_mutex_);
                    logs_.clear();
                }
                switching_.store(false);
            });
        });
    }
}

corio::task<std::string> append_only_file::rewrite(std::size_t here) {
    if (!enabled()) {
        // appendonly yes waiting for a snapshot to end (turn_on); else nothing to rewrite.
        if (want_on_.load() && !switching_.exchange(true)) co_await turn_on();
        co_return std::string();
    }
    std::uint64_t next = 0;
    std::string dir = dir_path();
    {
        // First the manifest names the new incremental files too: from the rewrite's point in
        // time on, the shards log to them, and a crash before the new base is complete must
        // find them after the old ones.
        std::lock_guard lock(files_mutex_);
        next = seq_ + 1;
        auto incr = incr_files_;
        for (std::size_t s = 0; s < srv_.shard_count(); ++s)
            incr.emplace_back(s, incr_name(next, s));
        write_manifest_of(base_name_, incr);
    }
    snapshot_target target{
        dir, fmt::format("{}.{}.base.rdb", file_, next),
        [this, next, dir](shard& s) { s.aof->switch_file(dir + "/" + incr_name(next, s.index)); },
        false};
    snapshotter::done_fn done = [this, next](const std::string& error) {
        rewrite_done(next, error);
    };
    rewrite_started_ms_.store(unix_ms());
    std::string error =
        co_await srv_.snapshots().start_to(here, std::move(done), std::move(target));
    if (!error.empty()) rewrite_started_ms_.store(0);
    co_return error;
}

void append_only_file::rewrite_done(std::uint64_t next, const std::string& error) {
    last_rewrite_seconds_.store((unix_ms() - rewrite_started_ms_.load()) / 1000);
    rewrite_started_ms_.store(0);
    std::lock_guard lock(files_mutex_);
    const std::string dir = dir_path();
    std::vector<std::pair<std::size_t, std::string>> fresh;
    for (std::size_t s = 0; s < srv_.shard_count(); ++s) fresh.emplace_back(s, incr_name(next, s));
    seq_ = next; // the shards log to the new files either way
    if (!error.empty()) {
        // The old base and every file since stay named: nothing is lost, the next rewrite
        // folds them.
        last_rewrite_ok_.store(false);
        incr_files_.insert(incr_files_.end(), fresh.begin(), fresh.end());
        srv_.engine().log(corio::log_level::warn, "Background AOF rewrite failed: " + error);
        return;
    }
    const std::string base = fmt::format("{}.{}.base.rdb", file_, next);
    try {
        write_manifest_of(base, fresh);
    } catch (const std::exception& e) {
        last_rewrite_ok_.store(false);
        incr_files_.insert(incr_files_.end(), fresh.begin(), fresh.end());
        srv_.engine().log(corio::log_level::warn,
                          std::string("Background AOF rewrite failed: ") + e.what());
        return;
    }
    if (!base_name_.empty()) ::unlink((dir + "/" + base_name_).c_str());
    for (const auto& [shard, name] : incr_files_) ::unlink((dir + "/" + name).c_str());
    base_name_ = base;
    incr_files_ = std::move(fresh);
    struct stat st {};
    if (::stat((dir + "/" + base).c_str(), &st) == 0)
        base_size_.store(static_cast<std::uint64_t>(st.st_size));
    last_rewrite_ok_.store(true);
    rewrites_.fetch_add(1);
    srv_.engine().log(corio::log_level::info, "Background AOF rewrite finished successfully");
}

bool append_only_file::take_rewrite_request() {
    if (!enabled())
        return want_on_.load() && !switching_.load() && rewrite_scheduled_.exchange(false);
    if (rewrite_scheduled_.exchange(false)) return true;
    const config& cfg = srv_.cfg();
    const long long percent = std::stoll(*cfg.get("auto-aof-rewrite-percentage"));
    const long long min_size = std::stoll(*cfg.get("auto-aof-rewrite-min-size"));
    const std::uint64_t size = current_size();
    if (percent <= 0 || size < static_cast<std::uint64_t>(min_size)) return false;
    const std::uint64_t base = std::max<std::uint64_t>(base_size_.load(), 1);
    return (size * 100 / base) >= static_cast<std::uint64_t>(100 + percent);
}

long long append_only_file::current_rewrite_seconds() const noexcept {
    const std::int64_t started = rewrite_started_ms_.load();
    return started == 0 ? -1 : (unix_ms() - started) / 1000;
}

std::uint64_t append_only_file::current_size() const noexcept {
    std::lock_guard lock(files_mutex_);
    std::uint64_t n = base_size_.load();
    for (const auto& l : logs_)
        if (l) n += l->file_bytes();
    return n;
}

std::string append_only_file::last_write_error() const {
    std::lock_guard lock(files_mutex_);
    for (const auto& l : logs_)
        if (l)
            if (auto e = l->last_error(); !e.empty()) return e;
    return {};
}

} // namespace corio_redis::persist
