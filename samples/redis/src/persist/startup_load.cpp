// Loading the snapshot at start-up; see startup_load.hpp.
#include "startup_load.hpp"

#include "../commands/encoding.hpp"
#include "../server.hpp"
#include "rdb_decode.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace corio_redis::persist {
namespace {

// The file, mapped read-only for the decoder (which reads it once, front to back).
class mapped_file {
public:
    explicit mapped_file(const std::string& path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            if (errno == ENOENT) return;
            throw std::runtime_error("Can't open the RDB file " + path + ": " +
                                     std::strerror(errno));
        }
        struct stat st {};
        if (::fstat(fd_, &st) != 0)
            throw std::runtime_error("Can't stat " + path + ": " + std::strerror(errno));
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ == 0) return;
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
        if (p == MAP_FAILED)
            throw std::runtime_error("Can't map " + path + ": " + std::strerror(errno));
        ::madvise(p, size_, MADV_SEQUENTIAL);
        data_ = static_cast<const char*>(p);
    }
    ~mapped_file() {
        if (data_) ::munmap(const_cast<char*>(data_), size_);
        if (fd_ >= 0) ::close(fd_);
    }
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    bool exists() const noexcept { return fd_ >= 0; }
    std::string_view bytes() const noexcept { return {data_ ? data_ : "", size_}; }

private:
    int fd_ = -1;
    const char* data_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace

load_outcome load_snapshot(server& srv) {
    const config& cfg = srv.cfg();
    load_outcome out;
    std::string dir = cfg.dir();
    out.path = (dir.empty() ? std::string(".") : dir) + "/" + cfg.dbfilename();
    mapped_file file(out.path);
    if (!file.exists()) return out;
    out.found = true;
    const auto started = std::chrono::steady_clock::now();
    const std::int64_t now = unix_ms();
    const std::size_t databases = cfg.databases();
    auto on_key = [&](std::size_t db_index, std::string key, db::value v, std::int64_t expire_at,
                      long long idle, int freq) {
        if (db_index >= databases)
            throw std::runtime_error(fmt::format(
                "FATAL: Data file was created with a Redis server configured to handle more "
                "than {} databases. Exiting",
                databases));
        settle_encoding(v, cfg);
        db::database& d = srv.shard_at(srv.shard_of(key)).dbs[db_index];
        bool created = false;
        db::entry& e = d.find_or_create(key, now, created);
        if (!created)
            throw std::runtime_error(
                fmt::format("RDB has a duplicated key '{}' in DB {}", key, db_index));
        e.val = std::move(v);
        if (expire_at != 0) d.set_expiry(key, e, expire_at);
        set_idle_or_frequency(e, cfg, now, idle, freq);
    };
    auto on_aux = [&](std::string_view name, std::string_view value) {
        if (name == "redis-ver")
            srv.engine().log(corio::log_level::info,
                             fmt::format("Loading RDB produced by version {}", value));
    };
    try {
        rdb_load_result r = load_rdb(file.bytes(), now, on_key, on_aux);
        out.loaded = r.keys_loaded;
        out.expired = r.keys_expired;
    } catch (const rdb_error& e) {
        throw std::runtime_error("Bad RDB file " + out.path + ": " + e.what());
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    srv.snapshots().note_load(out.loaded, out.expired);
    return out;
}

} // namespace corio_redis::persist
