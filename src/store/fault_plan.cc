#include "store/fault_plan.h"

#include <utility>

namespace memoryd {

void FaultPlan::FailAll() {
  std::lock_guard lock(mu_);
  fail_all_ = true;
  armed_ = true;
}

void FaultPlan::FailNthFromNow(int64_t n) {
  std::lock_guard lock(mu_);
  fail_at_ = statements_.load() + n;
  armed_ = true;
}

void FaultPlan::FailMatching(std::string fragment) {
  std::lock_guard lock(mu_);
  fragments_.push_back(std::move(fragment));
  armed_ = true;
}

void FaultPlan::Clear() {
  std::lock_guard lock(mu_);
  fail_all_ = false;
  fail_at_ = 0;
  fragments_.clear();
  armed_ = false;
}

Status FaultPlan::Check(std::string_view sql) {
  const int64_t number = ++statements_;
  if (!armed_.load() || !ShouldFail(sql, number)) return Status::Ok();
  ++injected_;
  return Status::Internal("injected fault: " + std::string(sql.substr(0, 60)));
}

bool FaultPlan::ShouldFail(std::string_view sql, int64_t number) {
  std::lock_guard lock(mu_);
  if (fail_all_) return true;
  if (number == fail_at_) {
    fail_at_ = 0;
    return true;
  }
  for (const auto& fragment : fragments_) {
    if (sql.find(fragment) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace memoryd
