// Passwords as ACL users keep them: SHA-256 in lower-case hex (what ACL LIST shows after '#'),
// compared in constant time; and ACL GENPASS's random hex. OpenSSL does the hashing and the
// randomness. Any thread.
#pragma once

#include <string>
#include <string_view>

namespace corio_redis::acl {

/// SHA-256 of the password, 64 lower-case hex digits.
std::string hash_password(std::string_view password);
/// 64 lower-case hex digits, as Redis requires of #hash and !hash rules.
bool valid_password_hash(std::string_view hash) noexcept;
/// Equal strings, in a time that does not depend on where they differ.
bool same_hash(std::string_view a, std::string_view b) noexcept;
/// ACL GENPASS: `bits` of randomness as hex ((bits + 3) / 4 digits). Throws if the system
/// has no randomness to give.
std::string random_hex(unsigned bits);

} // namespace corio_redis::acl
