#include "search/recent_vectors.h"

#include <mutex>

#include "index/vector_index_math.h"

namespace memoryd {

bool RecentVectors::Current(const Entry& entry) const {
  auto it = latest_.find(entry.label);
  return it != latest_.end() && it->second.live && it->second.version == entry.version;
}

void RecentVectors::SetLatest(uint64_t label, Latest latest) {
  auto [it, inserted] = latest_.try_emplace(label, latest);
  if (!inserted) {
    live_ -= it->second.live ? 1 : 0;
    it->second = latest;
  }
  live_ += latest.live ? 1 : 0;
}

void RecentVectors::PopFront() {
  const Entry& front = entries_.front();
  if (Current(front)) {
    latest_.erase(front.label);
    --live_;
  }
  entries_.pop_front();
}

void RecentVectors::Put(uint64_t label, int64_t version, const Vector& vector) {
  Result<Vector> unit = NormalizedForIndex(vector, static_cast<int>(vector.size()));
  if (!unit.ok() || capacity_ == 0) return Forget(label, version);
  std::unique_lock lock(mu_);
  while (entries_.size() >= capacity_) PopFront();
  entries_.push_back({label, version, std::move(unit).value()});
  SetLatest(label, {version, true});
}

void RecentVectors::Forget(uint64_t label, int64_t version) {
  std::unique_lock lock(mu_);
  SetLatest(label, {version, false});
  tombstones_.emplace_back(label, version);
  // Bounded like the entries: the oldest tombstones go first.
  while (tombstones_.size() > capacity_) {
    auto [old_label, old_version] = tombstones_.front();
    auto it = latest_.find(old_label);
    if (it != latest_.end() && !it->second.live && it->second.version == old_version) {
      latest_.erase(it);
    }
    tombstones_.pop_front();
  }
}

void RecentVectors::ForgetThrough(int64_t version) {
  std::unique_lock lock(mu_);
  while (!entries_.empty() && entries_.front().version <= version) PopFront();
  while (!tombstones_.empty() && tombstones_.front().second <= version) {
    auto [label, at] = tombstones_.front();
    auto it = latest_.find(label);
    if (it != latest_.end() && !it->second.live && it->second.version == at) latest_.erase(it);
    tombstones_.pop_front();
  }
  // Replaced and forgotten labels leave entries behind; drop them once they are most of the table.
  if (entries_.size() > 64 && live_ < entries_.size() / 2) {
    std::erase_if(entries_, [&](const Entry& e) { return !Current(e); });
  }
}

std::vector<VectorHit> RecentVectors::Search(const Vector& query, size_t k, int64_t after_version,
                                             const LabelFilter& filter) const {
  TopHits best(k);
  std::shared_lock lock(mu_);
  for (const Entry& e : entries_) {
    if (e.version <= after_version || e.unit.size() != query.size() || !Current(e)) continue;
    if (filter && !filter(e.label)) continue;
    best.Offer({e.label, ClampSimilarity(InnerProduct(query.data(), e.unit.data(), query.size()))});
  }
  return best.TakeSorted();
}

bool RecentVectors::Holds(uint64_t label, int64_t after_version) const {
  std::shared_lock lock(mu_);
  auto it = latest_.find(label);
  return it != latest_.end() && it->second.version > after_version;
}

size_t RecentVectors::Size() const {
  std::shared_lock lock(mu_);
  return live_;
}

}  // namespace memoryd
