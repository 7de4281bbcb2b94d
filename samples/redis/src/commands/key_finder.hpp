// The keys a command line names, found as Redis 7.0 finds them: from the command's key specs
// (its COMMAND docs), or, where Redis does not trust them or they do not fit the line, with
// its own key finders. COMMAND GETKEYS and the ACL key check (acl/check.cpp) share this.
#pragma once

#include "docs/docs.hpp"

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace corio_redis {

struct key_ref {
    std::size_t pos; // in the command line
    unsigned flags;  // docs::key_flag bits (0 when Redis's own finder gives none)
};

/// True if the command has a key spec that names keys (not only not_key ones).
bool has_key_specs(const docs::command_doc& d);

/// Replaces `keys` with the keys of `line` (line[0] the command's name, line[1] a
/// subcommand's when `d` is one), in the order Redis reports them. Any thread.
void find_keys(const docs::command_doc& d, std::span<const std::string_view> line,
               std::vector<key_ref>& keys);

} // namespace corio_redis
