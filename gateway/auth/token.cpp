#include "gateway/auth/token.hpp"

#include <sodium.h>

#include <stdexcept>

namespace paygham::auth {

std::string new_token() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char b64[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string("pgm_") + b64;
}

std::string token_hash(std::string_view token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string csrf_token(std::string_view session_token) {
  return token_hash("paygham-csrf:" + std::string(session_token));
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace paygham::auth
