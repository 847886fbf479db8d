#include "store/store_rules.h"

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

}  // namespace memoryd::store_rules
