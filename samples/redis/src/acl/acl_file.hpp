// The ACL file (aclfile, ACL LOAD, ACL SAVE) and the config file's "user" lines, in Redis's
// format: one "user <name> <rule> ..." line per user, words split as in a config file, blank
// lines skipped. A default user the lines leave out is Redis's default one.
#pragma once

#include "user.hpp"

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis::acl {

/// Users from lines already split into words ("user", name, rules...); line numbers count
/// from 1. False, with Redis's report of every problem in `error`, if any line is wrong.
bool parse_user_lines(std::span<const std::vector<std::string>> lines, std::string_view source,
                      bool all_channels_by_default, std::vector<user>& out, std::string& error);
/// Users from an ACL file's text (`source` names it in errors).
bool parse_acl_file(std::string_view text, std::string_view source, bool all_channels_by_default,
                    std::vector<user>& out, std::string& error);
/// Reads and parses an ACL file; Redis's error if it cannot be opened.
bool read_acl_file(const std::string& path, bool all_channels_by_default, std::vector<user>& out,
                   std::string& error);
/// Writes the users (in the order given) to `path`, replacing it atomically.
bool write_acl_file(const std::string& path, const std::vector<std::shared_ptr<const user>>& users,
                    std::string& error);

} // namespace corio_redis::acl
