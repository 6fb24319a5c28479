#include "gateway/auth/argon2.hpp"

#include <sodium.h>

#include <stdexcept>

namespace paygham::auth::argon2 {
namespace {

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
}

}  // namespace

std::string hash(std::string_view secret, unsigned long long ops, std::size_t memory) {
  init();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), ops, memory, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("out of memory hashing a secret");
  }
  return out;
}

bool matches(const std::string& hashed, std::string_view secret) {
  init();
  if (hashed.empty() || hashed.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hashed.c_str(), secret.data(), secret.size()) == 0;
}

}  // namespace paygham::auth::argon2
