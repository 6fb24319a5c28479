#include "gateway/channels/signatures.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

#include "gateway/channels/channel.hpp"

namespace paygham::channels {
namespace {

const EVP_MD* digest(std::string_view name) {
  if (name == "md5") return EVP_md5();
  if (name == "sha1") return EVP_sha1();
  if (name == "sha256") return EVP_sha256();
  if (name == "sha512") return EVP_sha512();
  return nullptr;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string plain_digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::vector<std::string> twilio_url_forms(std::string_view url) {
  // scheme://[userinfo@]host[:port]rest, read without normalising anything Twilio signed.
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {std::string(url)};
  const std::size_t authority_at = scheme_end + 3;
  const std::size_t rest_at = std::min(url.find_first_of("/?#", authority_at), url.size());
  const std::string_view authority = url.substr(authority_at, rest_at - authority_at);
  const std::size_t user_end = authority.rfind('@');
  const std::size_t host_at = user_end == std::string_view::npos ? 0 : user_end + 1;
  // A colon starts the port only after an IPv6 literal's closing bracket.
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon =
      authority.find(':', bracket == std::string_view::npos || bracket < host_at ? host_at : bracket + 1);
  const std::string head(url.substr(0, authority_at + (colon == std::string_view::npos ? authority.size() : colon)));
  const std::string rest(url.substr(rest_at));
  if (colon != std::string_view::npos) return {head + rest, std::string(url)};
  std::string scheme(url.substr(0, scheme_end));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {head + rest, head + (scheme == "https" ? ":443" : ":80") + rest};
}

std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string data(url);
  for (const auto& [k, v] : params) data += k + v;
  return base64(hmac(EVP_sha1(), auth_token, data));
}

std::string vonage_signature(std::string_view method, std::string_view secret,
                             const std::vector<std::pair<std::string, std::string>>& params) {
  std::vector<std::pair<std::string, std::string>> sorted;
  for (const auto& [k, v] : params) {
    if (k == "sig") continue;
    std::string value = v;
    std::replace(value.begin(), value.end(), '&', '_');
    std::replace(value.begin(), value.end(), '=', '_');
    sorted.emplace_back(k, std::move(value));
  }
  std::sort(sorted.begin(), sorted.end());
  std::string data;
  for (const auto& [k, v] : sorted) data += "&" + k + "=" + v;
  if (method == "md5hash") return hex(plain_digest(EVP_md5(), data + std::string(secret)));
  const EVP_MD* md = digest(method);
  return md ? hex(hmac(md, secret, data)) : std::string();
}

std::string android_signature(std::string_view key, std::string_view body, std::string_view timestamp) {
  return hex(hmac(EVP_sha256(), key, std::string(body) + std::string(timestamp)));
}

bool equal_hex(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  std::string la(a), lb(b);
  for (auto* s : {&la, &lb}) {
    for (char& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return equal_secret(la, lb);
}

}  // namespace paygham::channels
