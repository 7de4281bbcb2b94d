// The snapshot file's writer thread; see rdb_file_writer.hpp.
#include "rdb_file_writer.hpp"

#include "crc64.hpp"
#include "file_io.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace corio_redis::persist {
namespace {

std::atomic<unsigned> temp_counter{0};

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

} // namespace

rdb_file_writer::rdb_file_writer(const std::string& dir, const std::string& final_name,
                                 std::string first, bool checksum)
    : dir_(dir.empty() ? "." : dir), checksum_(checksum) {
    temp_path_ = dir_ + "/temp-" + std::to_string(::getpid()) + "-" +
                 std::to_string(temp_counter.fetch_add(1)) + ".rdb";
    final_path_ = dir_ + "/" + final_name;
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw std::system_error(errno, std::generic_category(),
                                "Failed opening the temp RDB file " + temp_path_);
    queued_bytes_ = first.size();
    queue_.push_back(std::move(first));
    thread_ = std::thread([this] { run(); });
}

rdb_file_writer::~rdb_file_writer() {
    {
        std::lock_guard lock(mutex_);
        if (!finishing_) {
            finishing_ = true;
            abandoned_ = true;
        }
    }
    wake_.notify_one();
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
    if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void rdb_file_writer::write(std::string chunk) {
    if (chunk.empty()) return;
    {
        std::lock_guard lock(mutex_);
        queued_bytes_ += chunk.size();
        queue_.push_back(std::move(chunk));
    }
    wake_.notify_one();
}

std::size_t rdb_file_writer::backlog() const noexcept {
    std::lock_guard lock(mutex_);
    return queued_bytes_;
}

std::uint64_t rdb_file_writer::bytes_written() const noexcept {
    std::lock_guard lock(mutex_);
    return written_;
}

void rdb_file_writer::finish(std::function<void(std::string error)> done) {
    {
        std::lock_guard lock(mutex_);
        done_ = std::move(done);
        finishing_ = true;
    }
    wake_.notify_one();
}

void rdb_file_writer::write_all(const std::string& bytes) {
    if (checksum_) crc_ = crc64(crc_, bytes.data(), bytes.size());
    if (!error_.empty()) return; // keep taking chunks so that producers never stall
    if (!write_fully(fd_, bytes)) error_ = errno_text("Write error saving DB on disk:", temp_path_);
}

std::string rdb_file_writer::commit() {
    std::string tail(1, static_cast<char>(0xFF)); // RDB_OPCODE_EOF, covered by the checksum
    write_all(tail);
    std::uint64_t crc = crc_;
    std::string sum(8, '\0');
    for (int i = 0; i < 8; ++i)
        sum[static_cast<std::size_t>(i)] = static_cast<char>(crc >> (8 * i));
    write_all(sum);
    if (!error_.empty()) return error_;
    if (::fsync(fd_) != 0) return errno_text("fsync failed on", temp_path_);
    if (::close(fd_) != 0) {
        fd_ = -1;
        return errno_text("close failed on", temp_path_);
    }
    fd_ = -1;
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
        return "Error moving temp DB file " + temp_path_ + " on the final destination " +
               final_path_ + ": " + std::strerror(errno);
    temp_path_.clear(); // it is the final file now
    // The rename is durable once the directory is synced.
    int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
    return {};
}

void rdb_file_writer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return !queue_.empty() || finishing_; });
        while (!queue_.empty()) {
            std::string chunk = std::move(queue_.front());
            queue_.pop_front();
            lock.unlock();
            write_all(chunk);
            lock.lock();
            queued_bytes_ -= chunk.size();
            written_ += chunk.size();
        }
        if (finishing_) break;
    }
    auto done = std::move(done_);
    const bool abandoned = abandoned_;
    lock.unlock();
    if (abandoned) return;
    std::string error = commit();
    if (!error.empty()) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
        temp_path_.clear();
    }
    if (done) done(std::move(error));
}

} // namespace corio_redis::persist
