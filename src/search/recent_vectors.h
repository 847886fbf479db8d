// RecentVectors: the vectors of a space's newest memories that its vector graph may not hold yet.
//
// Memories reach a space's keyword index as soon as they are written and its HNSW graph later,
// when the vector builder gets to them (search_engine.h). Until then a search finds them by an
// exact scan of this table, so a memory written a moment ago is found by meaning as well as by
// words, whatever the size of the backlog behind it. The table keeps the newest `capacity`
// entries: during a bulk load larger than that, the oldest memories of the backlog are found by
// words only until the graph holds them.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "index/vector_index.h"

namespace memoryd {

class RecentVectors {
 public:
  explicit RecentVectors(size_t capacity) : capacity_(capacity) {}

  // Records `vector` as the label's current vector, written at feed `version`; the label's older
  // entry, if any, no longer counts. A zero or non-finite vector only forgets the label.
  void Put(uint64_t label, int64_t version, const Vector& vector);
  // From `version` on, the label has no vector (deleted, or rewritten without one): a tombstone,
  // so an older vector of the label in the graph does not count either (Holds).
  void Forget(uint64_t label, int64_t version);
  // Drops the entries written at or before `version` (the graph holds them now).
  void ForgetThrough(int64_t version);

  // The best `k` entries by exact cosine with `query` (a unit vector), among those written after
  // `after_version` that pass `filter` and have the query's dimension; best first.
  std::vector<VectorHit> Search(const Vector& query, size_t k, int64_t after_version,
                                const LabelFilter& filter) const;
  // Whether the table knows better than a graph at `after_version` about `label`: it holds the
  // label's current vector, or its tombstone, written after that version.
  bool Holds(uint64_t label, int64_t after_version) const;

  // Labels with a current vector here.
  size_t Size() const;

 private:
  struct Entry {
    uint64_t label;
    int64_t version;
    Vector unit;
  };
  struct Latest {
    int64_t version;
    bool live;  // an entry of that version exists (else a tombstone)
  };
  bool Current(const Entry& entry) const;
  void PopFront();
  void SetLatest(uint64_t label, Latest latest);

  const size_t capacity_;
  mutable std::shared_mutex mu_;
  std::deque<Entry> entries_;                            // in the order written (version order)
  std::deque<std::pair<uint64_t, int64_t>> tombstones_;  // label, version; in version order
  std::unordered_map<uint64_t, Latest> latest_;          // label -> its newest entry or tombstone
  size_t live_ = 0;                                      // latest_ entries that are live
};

}  // namespace memoryd
