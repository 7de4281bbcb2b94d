// Elastic mixed buffer; see include/corio/buffer/mixed.hpp.
#include <corio/buffer/mixed.hpp>

#include <algorithm>
#include <sys/uio.h>

namespace corio::buffer {

mixed::mixed(block_pool& pool, std::size_t ring_threshold, std::size_t max_size)
    : ring_(&pool, std::max<std::size_t>(ring_threshold, 1)), chain_(pool, max_size) {}

bool mixed::write(std::string_view data) {
    if (data.size() > max_size() - size()) return false;
    if (chain_.empty() && data.size() <= ring_.max_size() - ring_.size() && ring_.write(data))
        return true;
    return chain_.write(data);
}

int mixed::iovecs(struct iovec* out, int max) const noexcept {
    int n = ring_.iovecs(out, max);
    return n + chain_.iovecs(out + n, max - n);
}

std::size_t mixed::copy_out(char* dst, std::size_t n) const noexcept {
    std::size_t done = ring_.copy_out(dst, n);
    return done + chain_.copy_out(dst + done, n - done);
}

void mixed::consume(std::size_t n) noexcept {
    std::size_t from_ring = std::min(n, ring_.size());
    ring_.consume(from_ring);
    chain_.consume(n - from_ring);
}

} // namespace corio::buffer
