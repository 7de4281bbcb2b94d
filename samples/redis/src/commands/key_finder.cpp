// Key positions from key specs, and Redis's own finders where the specs do not serve (moved
// here from command_info.cpp so that the ACL key check finds keys as GETKEYS does).
#include "key_finder.hpp"

#include "../command.hpp"

#include <algorithm>
#include <cctype>

namespace corio_redis {
namespace {

using line_view = std::span<const std::string_view>;

// The key follows the keyword, searched for from startfrom towards the end (negative: from
// that far from the end towards the front), the last (first) argument not examined; 0 when
// it is not there.
int keyword_position(const docs::begin_search& b, line_view line) {
    const int argc = static_cast<int>(line.size());
    const int start = b.startfrom > 0 ? b.startfrom : argc + b.startfrom;
    const int end = b.startfrom > 0 ? argc - 1 : 1;
    const int step = start <= end ? 1 : -1;
    for (int i = start; i != end && i >= 1 && i < argc; i += step)
        if (iequals(line[i], b.keyword)) return i + 1;
    return 0;
}

// The keys the specs find, or -1 when one spec does not fit the line (a count that is not a
// number, keys past the end) or cannot be trusted (incomplete).
int keys_from_specs(const docs::command_doc& d, line_view line, std::vector<key_ref>& keys) {
    const int argc = static_cast<int>(line.size());
    for (const auto& k : d.key_specs) {
        if (k.flags & docs::k_not_key) continue;
        int first = k.begin.index;
        if (!k.begin.keyword.empty()) {
            first = keyword_position(k.begin, line);
            if (first == 0) continue; // no keyword: this spec has no keys here
        }
        int last = 0;
        if (k.find.keynum) {
            const int at = first + k.find.keynumidx;
            long long n = 0;
            if (at >= argc || !parse_integer(line[at], n) || n < 0 || n > argc) return -1;
            first += k.find.firstkey;
            last = first + static_cast<int>(n) - 1;
        } else if (k.find.lastkey >= 0) {
            last = first + k.find.lastkey;
        } else if (k.find.limit == 0) {
            last = argc + k.find.lastkey;
        } else {
            last = first + ((argc - first) / k.find.limit + k.find.lastkey);
        }
        if (first < 1 || first >= argc || last >= argc || last < first) return -1;
        for (int i = first; i <= last; i += std::max(1, k.find.keystep))
            keys.push_back({static_cast<std::size_t>(i), k.flags});
        if (k.flags & docs::k_incomplete) return -1;
    }
    return static_cast<int>(keys.size());
}

// C's atoi, which Redis's own key finders read a key count with: leading spaces, a sign,
// digits, and whatever follows ignored.
long long leading_number(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    long long v = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9' && v < (1ll << 40); ++i)
        v = v * 10 + (s[i] - '0');
    return negative ? -v : v;
}

// BITFIELD only reads with nothing but GETs (and OVERFLOWs) in it; a malformed operation
// counts as a write.
bool bitfield_reads_only(line_view line) {
    for (std::size_t i = 2; i < line.size(); ++i) {
        const std::size_t left = line.size() - i - 1;
        if (iequals(line[i], "get") && left >= 2)
            i += 2;
        else if (iequals(line[i], "overflow") && left >= 1)
            i += 1;
        else
            return false;
    }
    return true;
}

// Where Redis does not trust the specs, or they failed: its own key finders for the commands
// that have one. SET and BITFIELD's key flags depend on their options; the counted-key
// commands are tried again with atoi's reading of the count (keys without flags).
void keys_by_command(std::string_view name, line_view line, std::vector<key_ref>& keys) {
    if (name == "set") {
        unsigned flags = docs::k_ow | docs::k_update;
        for (std::size_t i = 3; i < line.size(); ++i)
            if (iequals(line[i], "get")) flags = docs::k_rw | docs::k_access | docs::k_update;
        keys.push_back({1, flags});
        return;
    }
    if (name == "bitfield") {
        keys.push_back({1, bitfield_reads_only(line)
                               ? docs::k_ro | docs::k_access
                               : docs::k_rw | docs::k_access | docs::k_update});
        return;
    }
    std::size_t count_at = 0;
    if (name == "lmpop" || name == "sintercard")
        count_at = 1;
    else if (name == "blmpop")
        count_at = 2;
    if (count_at == 0 || count_at >= line.size()) return;
    const long long n = leading_number(line[count_at]);
    const std::size_t first = count_at + 1;
    if (n < 1 || n > static_cast<long long>(line.size() - first)) return;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) keys.push_back({first + i, 0});
}

} // namespace

bool has_key_specs(const docs::command_doc& d) {
    for (const auto& k : d.key_specs)
        if (!(k.flags & docs::k_not_key)) return true;
    return false;
}

void find_keys(const docs::command_doc& d, std::span<const std::string_view> line,
               std::vector<key_ref>& keys) {
    keys.clear();
    bool variable = false;
    for (const auto& k : d.key_specs)
        if (k.flags & docs::k_variable_flags) variable = true;
    if (variable || keys_from_specs(d, line, keys) <= 0) {
        keys.clear();
        keys_by_command(d.name, line, keys);
    }
}

} // namespace corio_redis
