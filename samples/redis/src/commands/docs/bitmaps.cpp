// COMMAND INFO and COMMAND DOCS data for the bitmap commands: Redis 7.0.15's facts (arity,
// flags, ACL categories, tips, key specs, arguments), corio's own summaries. See docs.hpp.
#include "docs.hpp"

namespace corio_redis::docs {
namespace {

constexpr arg setbit_args[] = {
    key("key", 0),
    integer("offset"),
    integer("value"),
};

constexpr arg getbit_args[] = {
    key("key", 0),
    integer("offset"),
};

constexpr history_entry bitcount_history[] = {
    {"7.0.0", "Ranges in BYTE or BIT units."},
};

constexpr arg bitcount_index_unit[] = {
    pure_token("byte", "BYTE"),
    pure_token("bit", "BIT"),
};

constexpr arg bitcount_index[] = {
    integer("start"),
    integer("end"),
    oneof("index_unit", bitcount_index_unit).since("7.0.0").opt(),
};

constexpr arg bitcount_args[] = {
    key("key", 0),
    block("index", bitcount_index).opt(),
};

constexpr history_entry bitpos_history[] = {
    {"7.0.0", "Ranges in BYTE or BIT units."},
};

constexpr arg bitpos_index_unit[] = {
    pure_token("byte", "BYTE"),
    pure_token("bit", "BIT"),
};

constexpr arg bitpos_end_index[] = {
    integer("end"),
    oneof("index_unit", bitpos_index_unit).since("7.0.0").opt(),
};

constexpr arg bitpos_index[] = {
    integer("start"),
    block("end_index", bitpos_end_index).opt(),
};

constexpr arg bitpos_args[] = {
    key("key", 0),
    integer("bit"),
    block("index", bitpos_index).opt(),
};

constexpr key_spec bitop_keys[] = {
    {k_ow | k_update, at(2), range(0, 1, 0)},
    {k_ro | k_access, at(3), range(-1, 1, 0)},
};

constexpr arg bitop_args[] = {
    str("operation"),
    key("destkey", 0),
    key("key", 1).multi(),
};

constexpr key_spec bitfield_keys[] = {
    {k_rw | k_access | k_update | k_variable_flags, at(1), range(0, 1, 0),
     "Both reads and writes the key"},
};

constexpr arg bitfield_encoding_offset[] = {
    str("encoding"),
    integer("offset"),
};

constexpr arg bitfield_wrap_sat_fail[] = {
    pure_token("wrap", "WRAP"),
    pure_token("sat", "SAT"),
    pure_token("fail", "FAIL"),
};

constexpr arg bitfield_encoding_offset_value[] = {
    str("encoding"),
    integer("offset"),
    integer("value"),
};

constexpr arg bitfield_encoding_offset_increment[] = {
    str("encoding"),
    integer("offset"),
    integer("increment"),
};

constexpr arg bitfield_write_operation[] = {
    block("encoding_offset_value", bitfield_encoding_offset_value).tok("SET"),
    block("encoding_offset_increment", bitfield_encoding_offset_increment).tok("INCRBY"),
};

constexpr arg bitfield_write[] = {
    oneof("wrap_sat_fail", bitfield_wrap_sat_fail).tok("OVERFLOW").opt(),
    oneof("write_operation", bitfield_write_operation),
};

constexpr arg bitfield_operation[] = {
    block("encoding_offset", bitfield_encoding_offset).tok("GET"),
    block("write", bitfield_write),
};

constexpr arg bitfield_args[] = {
    key("key", 0),
    oneof("operation", bitfield_operation).opt().multi(),
};

constexpr arg bitfield_ro_encoding_offset[] = {
    str("encoding"),
    integer("offset"),
};

constexpr arg bitfield_ro_args[] = {
    key("key", 0),
    block("encoding_offset", bitfield_ro_encoding_offset).tok("GET").opt().multi().multi_token(),
};

constexpr command_doc table[] = {
    {.name = "setbit",
     .arity = 4,
     .flags = c_write | c_denyoom,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_bitmap | acl_slow,
     .key_specs = one_key<k_rw | k_access | k_update>,
     .summary = "Changes one bit of a string value, returning its old value.",
     .since = "2.2.0",
     .group = "bitmap",
     .complexity = "O(1)",
     .args = setbit_args},
    {.name = "getbit",
     .arity = 3,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_bitmap | acl_fast,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns one bit of a string value.",
     .since = "2.2.0",
     .group = "bitmap",
     .complexity = "O(1)",
     .args = getbit_args},
    {.name = "bitcount",
     .arity = -2,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_bitmap | acl_slow,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Counts the set bits of a string value, or of a range of it.",
     .since = "2.6.0",
     .group = "bitmap",
     .complexity = "O(N)",
     .history = bitcount_history,
     .args = bitcount_args},
    {.name = "bitpos",
     .arity = -3,
     .flags = c_readonly,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_bitmap | acl_slow,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Returns the position of the first 1 (or 0) bit in a string value.",
     .since = "2.8.7",
     .group = "bitmap",
     .complexity = "O(N)",
     .history = bitpos_history,
     .args = bitpos_args},
    {.name = "bitop",
     .arity = -4,
     .flags = c_write | c_denyoom,
     .keys = {2, -1, 1},
     .acl = acl_write | acl_bitmap | acl_slow,
     .key_specs = bitop_keys,
     .summary = "Combines string values bitwise into a destination key.",
     .since = "2.6.0",
     .group = "bitmap",
     .complexity = "O(N)",
     .args = bitop_args},
    {.name = "bitfield",
     .arity = -2,
     .flags = c_write | c_denyoom,
     .keys = {1, 1, 1},
     .acl = acl_write | acl_bitmap | acl_slow,
     .key_specs = bitfield_keys,
     .summary = "Reads and writes integer fields of any width in a string value.",
     .since = "3.2.0",
     .group = "bitmap",
     .complexity = "O(1) per operation",
     .args = bitfield_args},
    {.name = "bitfield_ro",
     .arity = -2,
     .flags = c_readonly | c_fast,
     .keys = {1, 1, 1},
     .acl = acl_read | acl_bitmap | acl_fast,
     .key_specs = one_key<k_ro | k_access>,
     .summary = "Reads integer fields of any width from a string value.",
     .since = "6.0.0",
     .group = "bitmap",
     .complexity = "O(1) per operation",
     .args = bitfield_ro_args},
};

} // namespace

list<command_doc> bitmaps_docs() {
    return table;
}

} // namespace corio_redis::docs
