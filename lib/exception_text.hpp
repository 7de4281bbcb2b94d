// What an exception caught as std::exception_ptr says, for log lines about handlers and
// ticks that threw.
#pragma once

#include <exception>
#include <string>

namespace corio::detail {

/// e's what(), or "a non-exception" for anything not derived from std::exception.
inline std::string exception_text(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        return ex.what();
    } catch (...) {
        return "a non-exception";
    }
}

} // namespace corio::detail
