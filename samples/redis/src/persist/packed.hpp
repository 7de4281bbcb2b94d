// Readers of the packed blobs RDB files hold inside strings: listpacks (Redis 7), ziplists
// (3.2 to 6.2), intsets and zipmaps (before 2.6). Each checks every byte it reads against
// the blob's bounds and the format's own redundancy (sizes, counts, back-lengths) and
// throws rdb_error on the first inconsistency, so a hostile blob cannot make it misbehave.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace corio_redis::persist {

/// Integers are handed out as their decimal text in this buffer (a view into it stays
/// valid until the next call).
struct number_text {
    char buf[24];
    std::string_view format(std::int64_t v) noexcept;
};

class listpack_reader {
public:
    explicit listpack_reader(std::string_view blob); // checks the header and terminator
    /// The next element, false after the last (then the declared count is checked).
    bool next(std::string_view& element);
    /// The count the header declares, capped by what the blob could hold (for reserve()).
    std::size_t size_hint() const noexcept;

private:
    std::string_view b_;
    std::size_t pos_;
    std::size_t seen_ = 0;
    std::size_t declared_; // 65535: not known
    number_text num_;
};

class ziplist_reader {
public:
    explicit ziplist_reader(std::string_view blob);
    bool next(std::string_view& element);
    std::size_t size_hint() const noexcept;

private:
    std::string_view b_;
    std::size_t pos_;
    std::size_t seen_ = 0;
    std::size_t declared_;
    std::size_t tail_;
    std::size_t prev_size_ = 0; // the size of the entry before pos_, for its prevlen
    number_text num_;
};

class intset_reader {
public:
    explicit intset_reader(std::string_view blob); // checks the header against the size
    bool next(std::string_view& element);          // also checks the order (ascending)
    std::size_t size_hint() const noexcept { return count_; }

private:
    std::string_view b_;
    std::size_t width_;
    std::size_t count_;
    std::size_t index_ = 0;
    std::int64_t last_ = 0;
    number_text num_;
};

class zipmap_reader {
public:
    explicit zipmap_reader(std::string_view blob);
    bool next(std::string_view& key, std::string_view& value);

private:
    std::size_t length(); // one of the zipmap's lengths at pos_
    std::string_view b_;
    std::size_t pos_ = 1;
    std::size_t seen_ = 0;
    std::size_t declared_; // 254: not known
};

} // namespace corio_redis::persist
