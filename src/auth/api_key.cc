#include "auth/api_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>

namespace memoryd {
namespace {

constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t kKeyChars = 40;
constexpr std::string_view kKeyPrefix = "mcp_";

}  // namespace

Result<std::string> GenerateApiKey() {
  std::string key(kKeyPrefix);
  while (key.size() < kKeyPrefix.size() + kKeyChars) {
    std::array<unsigned char, 64> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return Status::Internal("the system random source failed");
    }
    for (unsigned char b : bytes) {
      // Rejection sampling keeps every character equally likely (248 = 4 * 62).
      if (b >= 248 || key.size() == kKeyPrefix.size() + kKeyChars) continue;
      key += kAlphabet[b % kAlphabet.size()];
    }
  }
  return key;
}

std::string HashApiKey(std::string_view key) {
  // Fetching the algorithm once avoids OpenSSL 3's provider lookup on every request; the fetched
  // method is immutable and safe to share between threads.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  unsigned int len = 0;
  if (kSha256 == nullptr ||
      EVP_Digest(key.data(), key.size(), digest.data(), &len, kSha256, nullptr) != 1) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest.data());
  }
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

bool DigestsEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace memoryd
