// One shard's append-only log; see aof_log.hpp.
#include "aof_log.hpp"

#include "file_io.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace corio_redis::persist {
namespace {

void append_resp(std::string& out, std::span<const std::string_view> args) {
    out += '*';
    out += std::to_string(args.size());
    out += "\r\n";
    for (std::string_view a : args) {
        out += '$';
        out += std::to_string(a.size());
        out += "\r\n";
        out.append(a);
        out += "\r\n";
    }
}

} // namespace

aof_log::aof_log(std::string path, fsync_policy policy,
                 std::function<void(std::function<void()>)> post_to_loop)
    : post_(std::move(post_to_loop)), policy_(policy) {
    open_file(path);
    thread_ = std::thread([this] { run(); });
}

aof_log::~aof_log() {
    {
        std::lock_guard lock(mutex_);
        if (!pending_.empty()) queue_.push_back(chunk{std::move(pending_), appended(), {}});
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    if (fd_ >= 0) {
        ::fsync(fd_);
        ::close(fd_);
    }
    // appendonly no while a client waits for the disk: what it waited for is written now.
    for (auto& [seq, ready] : waiters_) ready(error_.empty());
}

void aof_log::open_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::system_error(errno, std::generic_category(),
                                "Can't open the append-only file " + path);
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    path_ = path;
    off_t size = ::lseek(fd_, 0, SEEK_END);
    file_bytes_.store(size > 0 ? static_cast<std::uint64_t>(size) : 0);
}

void aof_log::append(std::size_t db, std::span<const std::string_view> args) {
    if (db != db_) {
        const std::string number = std::to_string(db);
        const std::string_view select[] = {"SELECT", number};
        append_resp(pending_, select);
        db_ = db;
    }
    append_resp(pending_, args);
    appended_.store(appended_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (!handover_posted_) {
        // At the end of this turn of the loop: everything the turn logged goes at once.
        handover_posted_ = true;
        post_([this] { hand_over(); });
    }
}

void aof_log::hand_over() {
    handover_posted_ = false;
    if (pending_.empty()) return;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(chunk{std::move(pending_), appended(), {}});
    }
    pending_ = std::string();
    wake_.notify_one();
}

void aof_log::switch_file(std::string path) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(chunk{std::move(pending_), appended(), std::move(path)});
    }
    pending_ = std::string();
    db_ = static_cast<std::size_t>(-1); // the new file starts with its own SELECT
    wake_.notify_one();
}

void aof_log::when_durable(std::uint64_t seq, std::function<void(bool)> ready) {
    {
        std::lock_guard lock(mutex_);
        if (error_.empty() && durable_.load(std::memory_order_relaxed) < seq) {
            waiters_.emplace_back(seq, std::move(ready));
            return;
        }
    }
    ready(error_.empty());
}

std::string aof_log::last_error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

bool aof_log::write_all(const std::string& bytes) {
    if (write_fully(fd_, bytes, &file_bytes_)) return true;
    std::lock_guard lock(mutex_);
    error_ = std::string("Error writing to the AOF file ") + path_ + ": " + std::strerror(errno);
    return false;
}

void aof_log::run() {
    using namespace std::chrono_literals;
    std::unique_lock lock(mutex_);
    bool unsynced = false;
    for (;;) {
        // everysec wakes at least once a second to sync what it wrote.
        wake_.wait_for(lock, 1s, [this] { return !queue_.empty() || stopping_; });
        std::vector<chunk> work;
        work.swap(queue_);
        const bool stop = stopping_;
        lock.unlock();
        std::uint64_t last = 0;
        bool ok = true;
        for (auto& c : work) {
            ok = write_all(c.bytes) && ok;
            last = std::max(last, c.last_seq);
            unsynced = unsynced || !c.bytes.empty();
            if (!c.switch_to.empty()) {
                ::fsync(fd_);
                try {
                    open_file(c.switch_to);
                } catch (const std::system_error& e) {
                    std::lock_guard guard(mutex_);
                    error_ = e.what();
                    ok = false;
                }
                unsynced = false;
            }
        }
        const fsync_policy policy = policy_.load();
        const auto now = std::chrono::steady_clock::now();
        if (unsynced && (policy == fsync_policy::always ||
                         (policy == fsync_policy::everysec && now - last_sync_ >= 1s))) {
            if (::fsync(fd_) != 0) {
                std::lock_guard guard(mutex_);
                error_ = std::string("fsync failed on ") + path_ + ": " + std::strerror(errno);
                ok = false;
            }
            last_sync_ = now;
            unsynced = false;
        }
        lock.lock();
        if (ok && last > durable_.load(std::memory_order_relaxed))
            durable_.store(last, std::memory_order_release);
        std::vector<std::function<void(bool)>> ready;
        const bool failed = !error_.empty();
        for (auto it = waiters_.begin(); it != waiters_.end();) {
            if (failed || it->first <= durable_.load(std::memory_order_relaxed)) {
                ready.push_back(std::move(it->second));
                it = waiters_.erase(it);
            } else {
                ++it;
            }
        }
        if (!ready.empty()) {
            lock.unlock();
            for (auto& r : ready) r(!failed);
            lock.lock();
        }
        if (stop && queue_.empty()) break;
    }
}

} // namespace corio_redis::persist
