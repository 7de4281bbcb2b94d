// Elastic mixed buffer: small backlogs live in a ring buffer; once the ring would pass its
// threshold, further data queues in a block chain. Order is preserved (while the chain holds
// data, new data goes behind it). Connections use it for outbound data.
#pragma once

#include <corio/config.hpp>

#include <corio/buffer/chain.hpp>
#include <corio/buffer/ring.hpp>

#include <cstddef>
#include <string_view>

struct iovec;

namespace corio::buffer {

class mixed {
public:
    /// The ring holds up to `ring_threshold` bytes; the whole buffer at most `max_size`.
    explicit mixed(block_pool& pool, std::size_t ring_threshold = 64 * 1024,
                   std::size_t max_size = default_max_size);

    std::size_t size() const noexcept { return ring_.size() + chain_.size(); }
    bool empty() const noexcept { return size() == 0; }
    std::size_t max_size() const noexcept { return chain_.max_size(); } // the chain has the cap
    /// Memory held by the ring part (blocks of the chain come from the pool).
    std::size_t ring_capacity() const noexcept { return ring_.capacity(); }
    std::size_t chain_blocks() const noexcept { return chain_.block_count(); }

    /// Appends all of `data`; false (appending nothing) when that would exceed max_size().
    bool write(std::string_view data);
    /// Fills up to max iovecs with the data, in order; returns how many.
    int iovecs(struct iovec* out, int max) const noexcept;
    /// Copies up to n bytes of data to dst without consuming; returns the count.
    std::size_t copy_out(char* dst, std::size_t n) const noexcept;
    /// Drops the first n bytes.
    void consume(std::size_t n) noexcept;
    /// Gives ring memory back when mostly empty (see ring::shrink).
    void shrink() noexcept { ring_.shrink(); }
    /// When empty, frees all memory.
    void trim() noexcept { ring_.trim(); }

private:
    ring ring_;
    chain chain_;
};

} // namespace corio::buffer
