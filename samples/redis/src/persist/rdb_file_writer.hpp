// Writes one RDB file from chunks that several shards' loops hand over while they keep
// serving: a thread of its own does the writes, the checksum and the fsync, so no loop ever
// waits on the disk. The file appears under its final name only once it is complete.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace corio_redis::persist {

/// Where serialized bytes go (a snapshot's file; a test's buffer).
struct chunk_sink {
    virtual ~chunk_sink() = default;
    /// Appends bytes. Any thread; chunks from one thread keep their order.
    virtual void write(std::string chunk) = 0;
    /// Bytes handed over and not yet written: producers that may wait do, past a limit.
    /// Any thread.
    virtual std::size_t backlog() const noexcept = 0;
};

class rdb_file_writer final : public chunk_sink {
public:
    /// Creates `dir`/temp-<pid>-<n>.rdb and queues `first` (the header). Throws
    /// std::system_error naming the file if it cannot be made. Without `checksum`
    /// (rdbchecksum no) the trailer is zero, which loaders take as "not checked".
    rdb_file_writer(const std::string& dir, const std::string& final_name, std::string first,
                    bool checksum);
    /// Waits for the thread; an unfinished file is removed.
    ~rdb_file_writer();
    rdb_file_writer(const rdb_file_writer&) = delete;
    rdb_file_writer& operator=(const rdb_file_writer&) = delete;

    void write(std::string chunk) override;
    std::size_t backlog() const noexcept override;

    /// After the last chunk (any thread, once): appends the end mark and the checksum,
    /// fsyncs, renames the file onto its final name and fsyncs the directory, then calls
    /// done("") on the writer's thread, or done(reason) if any step failed (the temporary
    /// file is then removed).
    void finish(std::function<void(std::string error)> done);

    /// Bytes in the file so far. Any thread.
    std::uint64_t bytes_written() const noexcept;
    const std::string& final_path() const noexcept { return final_path_; }

private:
    void run();
    void write_all(const std::string& bytes);
    std::string commit();

    std::string temp_path_, final_path_, dir_;
    int fd_ = -1;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    std::size_t queued_bytes_ = 0;
    std::uint64_t written_ = 0;
    bool finishing_ = false;
    bool abandoned_ = false; // destroyed before finish(): the file is dropped
    std::function<void(std::string)> done_;
    // Touched by the writer thread only.
    std::uint64_t crc_ = 0;
    bool checksum_ = true;
    std::string error_;
    std::thread thread_;
};

} // namespace corio_redis::persist
