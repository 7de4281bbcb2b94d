// Logging for corio: a plain function the engine calls with a level and a formatted line.
// The default writes to stderr; replace it in engine options to route lines elsewhere.
#pragma once

#include <corio/config.hpp>

#include <fmt/format.h>

#include <functional>
#include <string_view>

namespace corio {

enum class log_level { debug, info, warn, error, off };

/// Receives one formatted line (no trailing newline).
using logger = std::function<void(log_level, std::string_view)>;

/// A logger writing "corio: <level>: <line>" to stderr for lines at or above `min`.
logger stderr_logger(log_level min = log_level::info);

/// A logger that drops everything.
logger null_logger();

std::string_view to_string(log_level level) noexcept;

} // namespace corio
