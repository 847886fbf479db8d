#include "core/ids.h"

#include <array>
#include <cstdio>
#include <random>

namespace memoryd {
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace

std::string NewMemoryId(int64_t now_millis) {
  std::array<uint8_t, 16> b{};
  const auto ts = static_cast<uint64_t>(now_millis);
  for (int i = 0; i < 6; ++i) b[static_cast<size_t>(i)] = static_cast<uint8_t>(ts >> (40 - 8 * i));
  const uint64_t r1 = Rng()();
  const uint64_t r2 = Rng()();
  for (int i = 0; i < 2; ++i) b[static_cast<size_t>(6 + i)] = static_cast<uint8_t>(r1 >> (8 * i));
  for (int i = 0; i < 8; ++i) b[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(r2 >> (8 * i));
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x70);  // version 7
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof(out),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

}  // namespace memoryd
