#include "store/store_rules.h"

#include <algorithm>
#include <cmath>

namespace memoryd::store_rules {
namespace {

std::string Column(std::string_view alias) {
  return alias.empty() ? std::string("expires_at") : std::string(alias) + ".expires_at";
}

}  // namespace

std::string LiveSql(std::string_view alias, std::string_view now_param) {
  const std::string column = Column(alias);
  return " (" + column + " IS NULL OR " + column + " > " + std::string(now_param) + ") ";
}

std::string ExpiredSql(std::string_view alias, std::string_view now_param) {
  return " " + Column(alias) + " <= " + std::string(now_param) + " ";
}

RateLease TakeRateTokens(RateBucket& bucket, int64_t want, int64_t per_minute, int64_t now_micros) {
  const auto capacity = static_cast<double>(per_minute);
  const double per_micro = capacity / 60e6;
  const int64_t elapsed = std::max<int64_t>(0, now_micros - bucket.updated_micros);
  bucket.tokens = std::min(capacity, bucket.tokens + static_cast<double>(elapsed) * per_micro);
  bucket.updated_micros = std::max(bucket.updated_micros, now_micros);
  RateLease lease;
  lease.granted = std::min<int64_t>(want, static_cast<int64_t>(std::floor(bucket.tokens)));
  lease.granted = std::max<int64_t>(lease.granted, 0);
  bucket.tokens -= static_cast<double>(lease.granted);
  if (lease.granted == 0) lease.wait_seconds = (1.0 - bucket.tokens) / per_micro / 1e6;
  return lease;
}

}  // namespace memoryd::store_rules
