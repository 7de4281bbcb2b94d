// The "corio" error category.
#include <corio/error.hpp>

#include <string>

namespace corio {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "corio"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
        case errc::eof:
            return "end of stream";
        case errc::timed_out:
            return "timed out";
        case errc::buffer_full:
            return "buffer cap exceeded";
        case errc::shutting_down:
            return "engine shutting down";
        case errc::closed:
            return "connection closed";
        case errc::queue_full:
            return "queue full";
        case errc::channel_closed:
            return "send on closed channel";
        case errc::canceled:
            return "context canceled";
        case errc::deadline_exceeded:
            return "context deadline exceeded";
        }
        return "unknown corio error";
    }
};

} // namespace

const std::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

} // namespace corio
