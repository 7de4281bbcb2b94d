// The append-only file's layout and start-up; see aof.hpp.
#include "aof.hpp"

#include "../commands/encoding.hpp"
#include "../server.hpp"
#include "aof_replay.hpp"
#include "rdb_decode.hpp"
#include "rdb_encode.hpp"

#include <fmt/format.h>

#include <cerrno>
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
    const char* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            throw std::runtime_error("Can't write " + temp + ": " + std::strerror(errno));
        }
        p += n;
        left -= static_cast<std::size_t>(n);
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
    std::string text = fmt::format("file {} seq {} type b\n", base, seq);
    for (std::size_t s = 0; s < srv_.shard_count(); ++s)
        text += fmt::format("file {} seq {} type i shard {}\n", incr_name(seq, s), seq, s);
    write_durably(manifest_path(), text);
    sync_directory(dir_path());
}

std::uint64_t append_only_file::start() {
    const config& cfg = srv_.cfg();
    if (*cfg.get("appendonly") != "yes") return 0;
    policy_ = policy_of(*cfg.get("appendfsync"));
    dir_ = *cfg.get("appenddirname");
    file_ = *cfg.get("appendfilename");
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
                base_size_ = static_cast<std::uint64_t>(st.st_size);
            replaced.push_back(m.base);
        }
        for (const auto& [shard, name] : m.incr) replaced.push_back(name);
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
        base_size_ = base.size();
        write_manifest(base_name, seq_);
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
    return loaded;
}

std::uint64_t append_only_file::current_size() const noexcept {
    std::uint64_t n = base_size_;
    for (const auto& l : logs_) n += l->file_bytes();
    return n;
}

std::string append_only_file::last_write_error() const {
    for (const auto& l : logs_)
        if (auto e = l->last_error(); !e.empty()) return e;
    return {};
}

} // namespace corio_redis::persist
