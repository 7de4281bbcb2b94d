// Block-chain buffer; see include/corio/buffer/chain.hpp.
#include <corio/buffer/chain.hpp>

#include <algorithm>
#include <cstring>
#include <sys/uio.h>

namespace corio::buffer {

chain::chain(block_pool& pool, std::size_t max_size) : pool_(pool), max_size_(max_size) {}

chain::~chain() {
    clear();
}

bool chain::write(std::string_view data) {
    if (data.size() > max_size_ - size_) return false;
    const std::size_t room = payload();
    while (!data.empty()) {
        if (!tail_ || tail_->end == room) {
            auto* b = reinterpret_cast<block*>(pool_.acquire());
            b->next = nullptr;
            b->begin = b->end = 0;
            (tail_ ? tail_->next : head_) = b;
            tail_ = b;
        }
        std::size_t n = std::min(data.size(), room - tail_->end);
        std::memcpy(tail_->bytes() + tail_->end, data.data(), n);
        tail_->end += static_cast<std::uint32_t>(n);
        size_ += n;
        data.remove_prefix(n);
    }
    return true;
}

std::size_t chain::block_count() const noexcept {
    std::size_t n = 0;
    for (block* b = head_; b; b = b->next) ++n;
    return n;
}

int chain::iovecs(struct iovec* out, int max) const noexcept {
    int count = 0;
    for (block* b = head_; b && count < max; b = b->next) {
        if (b->end == b->begin) continue;
        out[count].iov_base = b->bytes() + b->begin;
        out[count].iov_len = b->end - b->begin;
        ++count;
    }
    return count;
}

std::size_t chain::copy_out(char* dst, std::size_t n) const noexcept {
    std::size_t done = 0;
    for (block* b = head_; b && done < n; b = b->next) {
        std::size_t k = std::min<std::size_t>(n - done, b->end - b->begin);
        std::memcpy(dst + done, b->bytes() + b->begin, k);
        done += k;
    }
    return done;
}

void chain::consume(std::size_t n) noexcept {
    n = std::min(n, size_);
    size_ -= n;
    while (n > 0 || (head_ && head_->begin == head_->end && head_ != tail_)) {
        std::size_t k = std::min<std::size_t>(n, head_->end - head_->begin);
        head_->begin += static_cast<std::uint32_t>(k);
        n -= k;
        if (head_->begin == head_->end) {
            block* done = head_;
            head_ = head_->next;
            if (!head_) tail_ = nullptr;
            pool_.release(reinterpret_cast<char*>(done));
        }
    }
}

} // namespace corio::buffer
