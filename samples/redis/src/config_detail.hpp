// The parameter table and the config file's line syntax, shared by config.cpp (loading,
// CONFIG GET/SET) and config_file.cpp (CONFIG REWRITE). Not for other users.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis::config_detail {

enum class kind { integer, memory, boolean, text, choice };

struct parameter {
    std::string_view name;
    kind k;
    std::string_view default_value;
    long long min = 0, max = 0;    // integer and memory
    std::string_view choices = {}; // choice: space separated
};

std::span<const parameter> all_parameters();
const parameter* find_parameter(std::string_view name);

/// Redis 7.0's old names ("hash-max-ziplist-entries") and their parameters
/// ("hash-max-listpack-entries"): setting either sets both. Empty if `name` has no twin.
std::string_view alias_of(std::string_view name);
/// The name CONFIG REWRITE writes: the new one of an alias pair.
std::string_view canonical_name(std::string_view name);

/// Splits a config line into words as redis-server does: blanks separate words, "..." with
/// the escapes \n \r \t \b \a \\ \" \xHH and '...' with \' group them. False if the quotes
/// are unbalanced or a closing quote is not followed by a blank.
bool split_line(std::string_view line, std::vector<std::string>& words);

} // namespace corio_redis::config_detail
