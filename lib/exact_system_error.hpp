// A std::system_error whose what() is exactly the text it was given. std::system_error
// appends ": " + code().message(), which says the reason twice when the text already gives
// it ("cannot connect to X: Connection refused: Connection refused").
#pragma once

#include <string>
#include <system_error>

namespace corio::detail {

class exact_system_error : public std::system_error {
public:
    exact_system_error(std::error_code ec, std::string text)
        : std::system_error(ec), text_(std::move(text)) {}
    const char* what() const noexcept override { return text_.c_str(); }

private:
    std::string text_;
};

} // namespace corio::detail
