// The RDB reader: lengths, strings and objects; see rdb_decode.hpp. Nothing is sized from
// a count before the bytes that count promises are known to be there.
#include "rdb_decode.hpp"

#include "lzf.hpp"
#include "packed.hpp"

#include <algorithm>
#include <charconv>

namespace corio_redis::persist {

namespace {

[[noreturn]] void bad(const std::string& why) {
    throw rdb_error(why);
}

std::uint64_t le(std::string_view b, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = v << 8 | static_cast<unsigned char>(b[i]);
    return v;
}

std::uint64_t be(std::string_view b, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(b[i]);
    return v;
}

std::string decimal(long long v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// LZF turns 3 input bytes into at most 264 output bytes: a larger claimed size is corrupt,
// and must not be allocated.
constexpr std::uint64_t lzf_max_ratio = 88;

[[noreturn]] void unsupported(std::uint8_t t) {
    const std::string code = " (type " + std::to_string(t) + ")";
    switch (t) {
    case type::zset:
    case type::zset_2:
    case type::zset_ziplist:
    case type::zset_listpack:
        bad("RDB holds a sorted set" + code + ": corio-redis does not support sorted sets yet");
    case type::stream_listpacks:
    case type::stream_listpacks_2:
    case type::stream_listpacks_3:
        bad("RDB holds a stream" + code + ": corio-redis does not support streams yet");
    case type::module_pre_ga:
    case type::module_2:
        bad("RDB holds a module value" + code + ": corio-redis does not support modules");
    default:
        bad("unknown RDB object type " + std::to_string(t));
    }
}

// Appenders that refuse what Redis refuses: a repeated set member or hash field.
void add_member(db::set_type& s, std::string_view m) {
    if (!s.emplace(m).second) bad("duplicate set member in RDB data");
}

void add_member(db::set_type& s, std::string&& m) {
    if (!s.insert(std::move(m)).second) bad("duplicate set member in RDB data");
}

void add_field(db::hash_type& h, std::string_view f, std::string_view v) {
    if (!h.try_emplace(std::string(f), v).second) bad("duplicate hash field in RDB data");
}

template <class Reader>
void list_from(std::string_view blob, db::list_type& l) {
    Reader r(blob);
    std::string_view e;
    while (r.next(e)) l.emplace_back(e);
}

template <class Reader>
void set_from(std::string_view blob, db::set_type& s) {
    Reader r(blob);
    s.reserve(s.size() + r.size_hint());
    std::string_view e;
    while (r.next(e)) add_member(s, e);
}

template <class Reader>
void hash_from(std::string_view blob, db::hash_type& h) {
    Reader r(blob);
    h.reserve(r.size_hint() / 2);
    std::string_view f, v;
    while (r.next(f)) {
        std::string field(f); // the next call reuses the reader's number buffer
        if (!r.next(v)) bad("hash with a field but no value in RDB data");
        add_field(h, field, v);
    }
}

} // namespace

void rdb_reader::ended() const {
    bad("RDB data ends early (at offset " + std::to_string(pos_) + ")");
}

std::uint8_t rdb_reader::byte() {
    if (pos_ == b_.size()) ended();
    return static_cast<std::uint8_t>(b_[pos_++]);
}

std::string_view rdb_reader::bytes(std::size_t n) {
    if (remaining() < n) ended();
    const std::string_view s = b_.substr(pos_, n);
    pos_ += n;
    return s;
}

std::uint32_t rdb_reader::u32_le() {
    return static_cast<std::uint32_t>(le(bytes(4), 4));
}

std::uint64_t rdb_reader::u64_le() {
    return le(bytes(8), 8);
}

std::uint64_t rdb_reader::length(bool& encoded) {
    encoded = false;
    const std::uint8_t c = byte();
    switch (c >> 6) {
    case len::bits_6:
        return c & 0x3fu;
    case len::bits_14:
        return (std::uint64_t{c} & 0x3f) << 8 | byte();
    case len::encoded:
        encoded = true;
        return c & 0x3fu;
    default:
        if (c == len::bits_32) return be(bytes(4), 4);
        if (c == len::bits_64) return be(bytes(8), 8);
        bad("bad length encoding in RDB data");
    }
}

std::uint64_t rdb_reader::length() {
    bool encoded = false;
    const std::uint64_t n = length(encoded);
    if (encoded) bad("a string encoding where RDB data should hold a length");
    return n;
}

std::string rdb_reader::string() {
    bool encoded = false;
    const std::uint64_t n = length(encoded);
    if (!encoded) return std::string(bytes(n));
    switch (n) {
    case str_enc::int8:
        return decimal(static_cast<std::int8_t>(byte()));
    case str_enc::int16:
        return decimal(static_cast<std::int16_t>(le(bytes(2), 2)));
    case str_enc::int32:
        return decimal(static_cast<std::int32_t>(le(bytes(4), 4)));
    case str_enc::lzf: {
        const std::uint64_t packed = length();
        const std::uint64_t size = length();
        const std::string_view in = bytes(packed);
        if (size > packed * lzf_max_ratio) bad("LZF string claims an impossible size");
        std::string out(size, '\0');
        if (!lzf_decompress(in.data(), in.size(), out.data(), out.size()))
            bad("corrupt LZF string in RDB data");
        return out;
    }
    default:
        bad("unknown string encoding " + std::to_string(n) + " in RDB data");
    }
}

db::value rdb_reader::value(std::uint8_t t) {
    switch (t) {
    case type::string:
        return db::value::of_string(string());
    case type::list: {
        db::value v = db::value::new_list();
        for (std::uint64_t n = length(); n > 0; --n) v.list().push_back(string());
        return v;
    }
    case type::set: {
        db::value v = db::value::new_set();
        const std::uint64_t n = length();
        // A member takes 2 bytes at least (one may be empty): a reserve the bytes can back.
        v.set().reserve(std::min<std::uint64_t>(n, remaining() / 2));
        for (std::uint64_t i = 0; i < n; ++i) add_member(v.set(), string());
        return v;
    }
    case type::hash: {
        db::value v = db::value::new_hash();
        const std::uint64_t n = length();
        v.hash().reserve(std::min<std::uint64_t>(n, remaining() / 4));
        for (std::uint64_t i = 0; i < n; ++i) {
            std::string f = string();
            std::string val = string();
            if (!v.hash().try_emplace(std::move(f), std::move(val)).second)
                bad("duplicate hash field in RDB data");
        }
        return v;
    }
    case type::list_ziplist: {
        db::value v = db::value::new_list();
        list_from<ziplist_reader>(string(), v.list());
        return v;
    }
    case type::list_quicklist: { // nodes of ziplists
        db::value v = db::value::new_list();
        for (std::uint64_t n = length(); n > 0; --n) list_from<ziplist_reader>(string(), v.list());
        return v;
    }
    case type::list_quicklist_2: { // nodes of listpacks, or of one large element each
        db::value v = db::value::new_list();
        for (std::uint64_t n = length(); n > 0; --n) {
            const std::uint64_t container = length();
            if (container == quicklist_node_plain)
                v.list().push_back(string());
            else if (container == quicklist_node_packed)
                list_from<listpack_reader>(string(), v.list());
            else
                bad("quicklist node of unknown container " + std::to_string(container));
        }
        return v;
    }
    case type::set_intset:
    case type::set_listpack: {
        db::value v = db::value::new_set();
        const std::string blob = string();
        if (t == type::set_intset)
            set_from<intset_reader>(blob, v.set());
        else
            set_from<listpack_reader>(blob, v.set());
        return v;
    }
    case type::hash_ziplist:
    case type::hash_listpack: {
        db::value v = db::value::new_hash();
        const std::string blob = string();
        if (t == type::hash_ziplist)
            hash_from<ziplist_reader>(blob, v.hash());
        else
            hash_from<listpack_reader>(blob, v.hash());
        return v;
    }
    case type::hash_zipmap: {
        db::value v = db::value::new_hash();
        const std::string blob = string();
        zipmap_reader r(blob);
        std::string_view f, val;
        while (r.next(f, val)) add_field(v.hash(), f, val);
        return v;
    }
    default:
        unsupported(t);
    }
}

bool empty_collection(const db::value& v) noexcept {
    switch (v.type()) {
    case db::value_type::string:
        return false;
    case db::value_type::list:
        return std::get<1>(v.data)->empty();
    case db::value_type::hash:
        return std::get<2>(v.data)->empty();
    case db::value_type::set:
        return std::get<3>(v.data)->empty();
    }
    return false;
}

} // namespace corio_redis::persist
