#include "store/in_memory_store.h"

#include <algorithm>
#include <tuple>

#include "core/ids.h"
#include "store/store_rules.h"
#include "text/case_fold.h"

namespace memoryd {
namespace {

using store_rules::IsLive;

const std::string& KeyOrId(const Memory& m) { return m.key ? *m.key : m.id; }

// Most recently updated first; the newer row first when the times tie (as SqlStore orders).
bool UpdatedDesc(const Memory* a, const Memory* b) {
  return std::tie(b->updated_at, b->seq) < std::tie(a->updated_at, a->seq);
}

bool CreatedDesc(const Memory* a, const Memory* b) {
  return std::tie(b->created_at, b->seq) < std::tie(a->created_at, a->seq);
}

// Applies SQL's LIMIT/OFFSET rules: a negative offset is zero, a negative limit means no limit.
template <typename T>
std::vector<T> Page(const std::vector<T>& all, int64_t offset, int64_t limit) {
  const size_t begin = std::min(all.size(), static_cast<size_t>(std::max<int64_t>(offset, 0)));
  size_t count = all.size() - begin;
  if (limit >= 0) count = std::min(count, static_cast<size_t>(limit));
  const auto first = all.begin() + static_cast<std::ptrdiff_t>(begin);
  return std::vector<T>(first, first + static_cast<std::ptrdiff_t>(count));
}

// The names in first-seen order with repeats dropped: a memory carries a tag at most once.
std::vector<std::string> Unique(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& name : names) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

Status MemoryLimitError(int64_t max) {
  return Status::LimitExceeded("memory limit reached: this space holds at most " +
                               std::to_string(max) + " memories");
}

Status TagLimitError(int64_t max) {
  return Status::LimitExceeded("tag limit reached: this space holds at most " +
                               std::to_string(max) + " tags");
}

}  // namespace

Result<ApiKeyRecord> InMemoryStore::FindApiKey(std::string_view key_hash) {
  std::lock_guard lock(mu_);
  auto it = api_keys_.find(key_hash);
  if (it == api_keys_.end()) return Status::NotFound("unknown API key");
  return it->second;
}

Result<int64_t> InMemoryStore::InsertApiKey(const ApiKeyRecord& record) {
  std::lock_guard lock(mu_);
  if (api_keys_.contains(record.key_hash)) {
    return Status::Conflict("an identical API key already exists");
  }
  ApiKeyRecord stored = record;
  stored.id = next_api_key_id_++;
  api_keys_.emplace(stored.key_hash, stored);
  return stored.id;
}

Result<std::vector<ApiKeyRecord>> InMemoryStore::ListApiKeys() {
  std::lock_guard lock(mu_);
  std::vector<ApiKeyRecord> out;
  for (const auto& [hash, record] : api_keys_) out.push_back(record);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

Status InMemoryStore::DeleteApiKey(int64_t id) {
  std::lock_guard lock(mu_);
  for (auto it = api_keys_.begin(); it != api_keys_.end(); ++it) {
    if (it->second.id == id) {
      api_keys_.erase(it);
      return Status::Ok();
    }
  }
  return Status::NotFound("no API key with id " + std::to_string(id));
}

Result<RateLease> InMemoryStore::LeaseRateTokens(AccountId account, int64_t want,
                                                 int64_t per_minute, int64_t now_micros) {
  std::lock_guard lock(mu_);
  auto [it, created] =
      rate_buckets_.try_emplace(account, RateBucket{static_cast<double>(per_minute), now_micros});
  return store_rules::TakeRateTokens(it->second, want, per_minute, now_micros);
}

Status InMemoryStore::NoteApiKeysUsed(const std::vector<ApiKeyUse>& uses) {
  std::lock_guard lock(mu_);
  for (const ApiKeyUse& use : uses) {
    for (auto& [hash, record] : api_keys_) {
      if (record.id == use.id && record.last_used_at.value_or(INT64_MIN) < use.used_at) {
        record.last_used_at = use.used_at;
      }
    }
  }
  return Status::Ok();
}

InMemoryStore::Space* InMemoryStore::FindSpace(const SpaceRef& ref) {
  auto it = spaces_.find(SpaceKey(ref.account_id, ref.name));
  return it == spaces_.end() ? nullptr : &it->second;
}

int64_t InMemoryStore::CountLive(const Space& space, int64_t now) {
  return std::count_if(space.rows.begin(), space.rows.end(),
                       [&](const auto& entry) { return IsLive(entry.second.memory, now); });
}

std::vector<const Memory*> InMemoryStore::LiveMemories(const Space& space, int64_t now) {
  std::vector<const Memory*> out;
  for (const auto& [seq, row] : space.rows) {
    if (IsLive(row.memory, now)) out.push_back(&row.memory);
  }
  return out;
}

SpaceInfo InMemoryStore::Summarise(const std::string& name, const Space& space, int64_t now) {
  SpaceInfo info;
  info.name = name;
  info.memory_count = CountLive(space, now);
  info.tag_count = static_cast<int64_t>(space.tags.size());
  info.created_at = space.created_at;
  info.last_used = space.last_used;
  return info;
}

Result<std::vector<SpaceInfo>> InMemoryStore::ListSpaces(AccountId account, int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<SpaceInfo> out;
  // The map is ordered by (account, name), so one account's spaces are adjacent and sorted.
  for (auto it = spaces_.lower_bound(SpaceKey(account, "")); it != spaces_.end(); ++it) {
    if (it->first.first != account) break;
    out.push_back(Summarise(it->first.second, it->second, now));
  }
  return out;
}

Result<SpaceInfo> InMemoryStore::GetSpace(const SpaceRef& ref, int64_t now) {
  std::lock_guard lock(mu_);
  const Space* space = FindSpace(ref);
  if (space == nullptr) return Status::NotFound("space '" + ref.name + "' not found");
  return Summarise(ref.name, *space, now);
}

Result<int64_t> InMemoryStore::DeleteSpace(const SpaceRef& ref, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = spaces_.find(SpaceKey(ref.account_id, ref.name));
  if (it == spaces_.end()) return Status::NotFound("space '" + ref.name + "' not found");
  const int64_t removed = CountLive(it->second, now);
  EraseIf(it->second, now, [](const Row&) { return true; });
  spaces_.erase(it);
  return removed;
}

Result<Memory> InMemoryStore::GetByKey(const SpaceRef& ref, std::string_view key, int64_t now) {
  std::lock_guard lock(mu_);
  if (const Space* space = FindSpace(ref)) {
    for (const Memory* m : LiveMemories(*space, now)) {
      if (m->key == key) return *m;
    }
  }
  return Status::NotFound("memory '" + std::string(key) + "' not found");
}

Result<std::vector<KeyUpdated>> InMemoryStore::ListKeys(const SpaceRef& ref,
                                                        const ListOptions& opts, int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<KeyUpdated> out;
  const Space* space = FindSpace(ref);
  if (space == nullptr) return out;
  auto live = LiveMemories(*space, now);
  std::sort(live.begin(), live.end(), UpdatedDesc);
  for (const Memory* m : Page(live, opts.offset, opts.limit)) {
    out.push_back({KeyOrId(*m), m->updated_at});
  }
  return out;
}

Result<std::vector<Memory>> InMemoryStore::ListMemories(const SpaceRef& ref,
                                                        const ListOptions& opts, int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<Memory> out;
  const Space* space = FindSpace(ref);
  if (space == nullptr) return out;
  auto live = LiveMemories(*space, now);
  if (opts.before) {
    std::erase_if(live, [&](const Memory* m) {
      return std::tie(m->created_at, m->seq) >= std::tie(opts.before->first, opts.before->second);
    });
  }
  std::sort(live.begin(), live.end(), CreatedDesc);
  for (const Memory* m : Page(live, opts.offset, opts.limit)) out.push_back(*m);
  return out;
}

Result<std::vector<Memory>> InMemoryStore::SubstringSearch(const SpaceRef& ref,
                                                           std::string_view needle, int64_t limit,
                                                           int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<Memory> out;
  const Space* space = FindSpace(ref);
  if (space == nullptr) return out;
  const std::string folded = text::FoldForMatch(needle);
  std::vector<const Memory*> matches;
  for (const Memory* m : LiveMemories(*space, now)) {
    if (text::FoldForMatch(KeyOrId(*m)).find(folded) != std::string::npos ||
        text::FoldForMatch(m->text).find(folded) != std::string::npos) {
      matches.push_back(m);
    }
  }
  std::sort(matches.begin(), matches.end(), UpdatedDesc);
  for (const Memory* m : Page(matches, 0, limit)) out.push_back(*m);
  return out;
}

Result<std::vector<std::string>> InMemoryStore::KeysWithAllTags(
    const SpaceRef& ref, const std::vector<std::string>& tags, int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  const Space* space = FindSpace(ref);
  if (space == nullptr || tags.empty()) return out;
  for (const Memory* m : LiveMemories(*space, now)) {
    const bool carries_all = std::all_of(tags.begin(), tags.end(), [&](const std::string& tag) {
      return std::find(m->tags.begin(), m->tags.end(), tag) != m->tags.end();
    });
    if (carries_all) out.push_back(KeyOrId(*m));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::string>> InMemoryStore::ListTags(const SpaceRef& ref) {
  std::lock_guard lock(mu_);
  const Space* space = FindSpace(ref);
  if (space == nullptr) return std::vector<std::string>();
  return std::vector<std::string>(space->tags.begin(), space->tags.end());
}

Result<std::vector<std::string>> InMemoryStore::AdmitTags(const Space& space,
                                                          const std::vector<std::string>& names,
                                                          const WriteLimits& limits) {
  std::vector<std::string> tags = Unique(names);
  const auto missing = std::count_if(tags.begin(), tags.end(),
                                     [&](const std::string& t) { return !space.tags.contains(t); });
  const int64_t max_tags = limits.max_tags_per_space;
  if (missing > 0 && max_tags > 0 && static_cast<int64_t>(space.tags.size()) + missing > max_tags) {
    return TagLimitError(max_tags);
  }
  return tags;
}

Result<PutOutcome> InMemoryStore::PutLocked(Space& space, const SpaceRef& ref,
                                            const MemoryWrite& write, const WriteLimits& limits,
                                            int64_t now) {
  auto existing = space.rows.end();
  for (auto it = space.rows.begin(); write.key && it != space.rows.end(); ++it) {
    if (it->second.memory.key == write.key) existing = it;
  }
  const bool replace = existing != space.rows.end() && IsLive(existing->second.memory, now);
  const int64_t max_memories = limits.max_memories_per_space;
  // SqlStore's stored count: every row, less an expired one this write replaces.
  const auto stored =
      static_cast<int64_t>(space.rows.size()) - (existing != space.rows.end() && !replace ? 1 : 0);
  const bool at_quota = !replace && max_memories > 0 && stored >= max_memories;
  if (at_quota && CountLive(space, now) >= max_memories) return MemoryLimitError(max_memories);
  MEMORYD_ASSIGN_OR_RETURN(std::vector<std::string> tags, AdmitTags(space, write.tags, limits));

  // Every check passed; from here on the write cannot fail, so it applies fully.
  space.tags.insert(tags.begin(), tags.end());
  if (existing != space.rows.end() && !replace) Erase(space, existing, now);  // expired: a new one
  // Like SqlStore, a space whose stored rows reach the quota drops its expired ones.
  if (at_quota) EraseIf(space, now, [&](const Row& row) { return !IsLive(row.memory, now); });
  Row* target = replace ? &existing->second : &space.rows[next_seq_];
  if (!replace) {
    Memory& m = target->memory;
    m.seq = next_seq_++;
    m.id = NewMemoryId(now);
    m.space = ref.name;
    m.key = write.key;
    m.created_at = now;
  }
  Rewrite(*target, write, std::move(tags), now);
  return PutOutcome{target->memory, !replace};
}

void InMemoryStore::Rewrite(Row& row, const MemoryWrite& write, std::vector<std::string> tags,
                            int64_t now) {
  Memory& m = row.memory;
  m.title = write.title;
  m.text = write.text;
  m.tags = std::move(tags);
  m.metadata_json = write.metadata_json;
  m.updated_at = now;
  m.expires_at = write.expires_at;
  row.embedding = write.embedding;
  row.embedder = write.embedding.empty() ? std::string() : write.embedder;
  row.version = ++version_;
}

InMemoryStore::RowMap::iterator InMemoryStore::Erase(Space& space, RowMap::iterator it,
                                                     int64_t now) {
  removals_.push_back({{++version_, space.id, it->first}, now});
  return space.rows.erase(it);
}

template <typename Pred>
int64_t InMemoryStore::EraseIf(Space& space, int64_t now, Pred pred) {
  int64_t erased = 0;
  for (auto it = space.rows.begin(); it != space.rows.end();) {
    if (pred(it->second)) {
      it = Erase(space, it, now);
      ++erased;
    } else {
      ++it;
    }
  }
  return erased;
}

InMemoryStore::SpaceMap::iterator InMemoryStore::OpenSpace(const SpaceRef& ref, int64_t now,
                                                           bool* created) {
  auto [it, inserted] = spaces_.try_emplace(SpaceKey(ref.account_id, ref.name));
  if (inserted) {
    it->second.id = next_space_id_++;
    it->second.created_at = now;
  }
  *created = inserted;
  return it;
}

void InMemoryStore::CloseSpace(SpaceMap::iterator it, bool created, bool written, int64_t now) {
  if (written) {
    it->second.last_used = now;
  } else if (created) {
    spaces_.erase(it);  // a failed write leaves no trace, not even the space
  }
}

Result<PutOutcome> InMemoryStore::Put(const SpaceRef& ref, const MemoryWrite& write,
                                      const WriteLimits& limits, int64_t now) {
  std::lock_guard lock(mu_);
  bool created = false;
  auto it = OpenSpace(ref, now, &created);
  auto out = PutLocked(it->second, ref, write, limits, now);
  CloseSpace(it, created, out.ok(), now);
  return out;
}

Result<std::vector<BulkPutItemOutcome>> InMemoryStore::BulkPut(
    const SpaceRef& ref, const std::vector<MemoryWrite>& writes, const WriteLimits& limits,
    int64_t now) {
  std::lock_guard lock(mu_);
  bool created = false;
  auto it = OpenSpace(ref, now, &created);
  std::vector<BulkPutItemOutcome> items;
  for (const auto& write : writes) {
    auto one = PutLocked(it->second, ref, write, limits, now);
    BulkPutItemOutcome item;
    if (one.ok()) {
      item.outcome = std::move(one).value();
    } else {
      item.error = one.status().message();
    }
    items.push_back(std::move(item));
  }
  // Like SqlStore, the space exists afterwards even when every item failed.
  CloseSpace(it, created, true, now);
  return items;
}

Result<std::vector<bool>> InMemoryStore::BulkDeleteByKey(const SpaceRef& ref,
                                                         const std::vector<std::string>& keys,
                                                         int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<bool> deleted(keys.size(), false);
  Space* space = FindSpace(ref);
  for (size_t i = 0; space != nullptr && i < keys.size(); ++i) {
    auto it = std::find_if(space->rows.begin(), space->rows.end(),
                           [&](const auto& entry) { return entry.second.memory.key == keys[i]; });
    if (it == space->rows.end()) continue;
    // An expired row goes too, but it did not exist for the caller.
    deleted[i] = IsLive(it->second.memory, now);
    Erase(*space, it, now);
  }
  return deleted;
}

Result<int64_t> InMemoryStore::ClearSpace(const SpaceRef& ref, int64_t now) {
  std::lock_guard lock(mu_);
  Space* space = FindSpace(ref);
  if (space == nullptr) return int64_t{0};
  const int64_t live = CountLive(*space, now);
  EraseIf(*space, now, [](const Row&) { return true; });
  return live;
}

Result<bool> InMemoryStore::CreateTag(const SpaceRef& ref, std::string_view name,
                                      const WriteLimits& limits, int64_t now) {
  std::lock_guard lock(mu_);
  bool created = false;
  auto it = OpenSpace(ref, now, &created);
  std::set<std::string>& tags = it->second.tags;
  const bool exists = tags.contains(std::string(name));
  const int64_t max_tags = limits.max_tags_per_space;
  if (!exists && max_tags > 0 && static_cast<int64_t>(tags.size()) >= max_tags) {
    CloseSpace(it, created, false, now);
    return TagLimitError(max_tags);
  }
  tags.emplace(name);
  CloseSpace(it, created, true, now);
  return !exists;
}

Result<bool> InMemoryStore::DeleteTag(const SpaceRef& ref, std::string_view name) {
  std::lock_guard lock(mu_);
  Space* space = FindSpace(ref);
  if (space == nullptr || space->tags.erase(std::string(name)) == 0) return false;
  // Tags are not indexed content: unlinking one leaves versions alone (as in SqlStore).
  for (auto& [seq, row] : space->rows) std::erase(row.memory.tags, name);
  return true;
}

Result<int64_t> InMemoryStore::PurgeExpired(int64_t now) {
  std::lock_guard lock(mu_);
  int64_t removed = 0;
  for (auto& [key, space] : spaces_) {
    removed += EraseIf(space, now, [&](const Row& row) { return !IsLive(row.memory, now); });
  }
  PruneRemovals(now - store_rules::kRemovalHistoryMillis);
  return removed;
}

}  // namespace memoryd
