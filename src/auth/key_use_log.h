// KeyUseLog: when each stored API key was last used, gathered in memory and written to the store
// in batches (Store::NoteApiKeysUsed), so that no request ever writes for it. The time is
// coarse: a key's first use is due at once, later ones only once they are `resolution` past the
// time last written. Bounded: at `capacity` keys, keys whose last use is written are forgotten
// (their next use counts as a first one); if none is, uses of new keys are dropped until then.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "model/memory.h"

namespace memoryd {

class KeyUseLog {
 public:
  explicit KeyUseLog(int64_t resolution_ms = 60'000, size_t capacity = 100'000)
      : resolution_ms_(resolution_ms), capacity_(capacity) {}

  void Note(int64_t key_id, int64_t now_ms);
  // The uses due to be written, which count as written from now on.
  std::vector<ApiKeyUse> TakeDue();
  // Uses TakeDue gave out that could not be written: due again at the next TakeDue.
  void Unwritten(const std::vector<ApiKeyUse>& uses);

 private:
  static constexpr int64_t kNever = INT64_MIN;
  void ForgetWritten();  // REQUIRES: mu_ held
  struct Entry {
    int64_t last_use = kNever;
    int64_t written = kNever;
  };
  const int64_t resolution_ms_;
  const size_t capacity_;
  std::mutex mu_;
  std::unordered_map<int64_t, Entry> entries_;  // by key id
};

}  // namespace memoryd
