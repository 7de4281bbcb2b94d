// Password hashing, comparison and ACL GENPASS; see password.hpp.
#include "password.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace corio_redis::acl {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

std::string to_hex(const unsigned char* bytes, std::size_t n) {
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += hex_digits[bytes[i] >> 4];
        out += hex_digits[bytes[i] & 15];
    }
    return out;
}

} // namespace

std::string hash_password(std::string_view password) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(password.data(), password.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("corio-redis: SHA-256 failed");
    return to_hex(digest, length);
}

bool valid_password_hash(std::string_view hash) noexcept {
    if (hash.size() != 64) return false;
    for (char c : hash)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool same_hash(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::string random_hex(unsigned bits) {
    const std::size_t digits = (bits + 3) / 4;
    std::vector<unsigned char> bytes((digits + 1) / 2);
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("corio-redis: no random bytes for ACL GENPASS");
    std::string out = to_hex(bytes.data(), bytes.size());
    out.resize(digits);
    return out;
}

} // namespace corio_redis::acl
