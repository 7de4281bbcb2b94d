// Reading and writing users in Redis's ACL file format; see acl_file.hpp.
#include "acl_file.hpp"

#include "../config_detail.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace corio_redis::acl {
namespace {

constexpr std::string_view unknown_name = "Unknown command or category name in ACL";

std::string trim(std::string_view s) {
    const std::size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    const std::size_t e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

struct numbered_line {
    std::size_t number;
    std::vector<std::string> words;
    bool bad_quotes = false;
};

// Every line is looked at and every problem reported, in line order, as Redis does; the
// users are given only if there were none.
bool parse_lines(std::span<const numbered_line> lines, std::string_view source,
                 bool all_channels_by_default, std::vector<user>& out, std::string& error) {
    std::string errors;
    std::vector<user> users;
    for (const auto& line : lines) {
        const std::string where = std::string(source) + ":" + std::to_string(line.number);
        const auto& words = line.words;
        if (line.bad_quotes) {
            errors += where + ": unbalanced quotes in acl line. ";
            continue;
        }
        if (words.size() < 2 || words[0] != "user") {
            errors += where + " should start with user keyword followed by the username. ";
            continue;
        }
        const std::string& name = words[1];
        if (!valid_username(name)) {
            errors += "'" + where + ": username '" + name + "' contains invalid characters. ";
            continue;
        }
        bool duplicate = false;
        for (const auto& u : users) duplicate = duplicate || u.name() == name;
        if (duplicate) {
            errors += "WARNING: Duplicate user '" + name + "' found on line " +
                      std::to_string(line.number) + ". ";
            continue;
        }
        // Every rule is tried. An unknown command is named; of the other errors only the
        // line's first is reported, without its rule (which may hold a password).
        user u(name, all_channels_by_default);
        bool reported = false;
        for (std::size_t i = 2; i < words.size(); ++i) {
            std::string why;
            if (u.apply(trim(words[i]), all_channels_by_default, why)) continue;
            if (why == unknown_name) {
                errors += where + ": Error in applying operation '" + words[i] + "': " + why + ". ";
            } else if (!reported) {
                errors += where + ": " + why + ". ";
                reported = true;
            }
        }
        users.push_back(std::move(u));
    }
    if (!errors.empty()) {
        error = errors + "WARNING: ACL errors detected, no change to the previously active ACL "
                         "rules was performed";
        return false;
    }
    out = std::move(users);
    return true;
}

} // namespace

bool parse_user_lines(std::span<const std::vector<std::string>> lines, std::string_view source,
                      bool all_channels_by_default, std::vector<user>& out, std::string& error) {
    std::vector<numbered_line> numbered;
    for (std::size_t i = 0; i < lines.size(); ++i) numbered.push_back({i + 1, lines[i]});
    return parse_lines(numbered, source, all_channels_by_default, out, error);
}

bool parse_acl_file(std::string_view text, std::string_view source, bool all_channels_by_default,
                    std::vector<user>& out, std::string& error) {
    std::vector<numbered_line> lines;
    for (std::size_t number = 1; !text.empty(); ++number) {
        const std::size_t nl = text.find('\n');
        const std::string line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.empty()) continue;
        numbered_line l{number, {}};
        l.bad_quotes = !config_detail::split_line(line, l.words);
        lines.push_back(std::move(l));
    }
    return parse_lines(lines, source, all_channels_by_default, out, error);
}

bool read_acl_file(const std::string& path, bool all_channels_by_default, std::vector<user>& out,
                   std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "Error loading ACLs, opening file '" + path + "': " + std::strerror(errno);
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_acl_file(text.str(), path, all_channels_by_default, out, error);
}

bool write_acl_file(const std::string& path, const std::vector<std::shared_ptr<const user>>& users,
                    std::string& error) {
    std::string text;
    for (const auto& u : users) text += "user " + u->name() + " " + u->describe() + "\n";
    // Written next to the file, then renamed over it: a reader sees the old file or the new.
    const std::string temp = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream f(temp, std::ios::binary | std::ios::trunc);
        f << text;
        f.flush();
        if (!f) {
            error = "cannot write '" + temp + "': " + std::strerror(errno);
            std::remove(temp.c_str());
            return false;
        }
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        error = "cannot rename '" + temp + "' to '" + path + "': " + std::strerror(errno);
        std::remove(temp.c_str());
        return false;
    }
    return true;
}

} // namespace corio_redis::acl
