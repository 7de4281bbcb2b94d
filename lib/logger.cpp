// Default loggers.
#include <corio/logger.hpp>

#include <cstdio>
#include <string>

namespace corio {

std::string_view to_string(log_level level) noexcept {
    switch (level) {
    case log_level::debug:
        return "debug";
    case log_level::info:
        return "info";
    case log_level::warn:
        return "warn";
    case log_level::error:
        return "error";
    case log_level::off:
        return "off";
    }
    return "?";
}

logger stderr_logger(log_level min) {
    return [min](log_level level, std::string_view line) {
        if (level < min || level == log_level::off) return;
        // One fwrite per line keeps lines from different loops whole.
        std::string out = fmt::format("corio: {}: {}\n", to_string(level), line);
        std::fwrite(out.data(), 1, out.size(), stderr);
    };
}

logger null_logger() {
    return [](log_level, std::string_view) {};
}

} // namespace corio
