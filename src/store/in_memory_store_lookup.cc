// InMemoryStore: by-id access across an account's spaces, and reads for search.
#include <algorithm>

#include "store/in_memory_store.h"
#include "store/metadata_match.h"
#include "store/store_rules.h"

namespace memoryd {
namespace {

using store_rules::IsLive;

bool Carries(const Memory& m, const std::string& tag) {
  return std::find(m.tags.begin(), m.tags.end(), tag) != m.tags.end();
}

bool Passes(const Memory& m, const SearchFilter& f) {
  if (f.created_after && m.created_at <= *f.created_after) return false;
  if (f.created_before && m.created_at >= *f.created_before) return false;
  const auto carries = [&](const std::string& tag) { return Carries(m, tag); };
  if (!f.tags_any.empty() && std::none_of(f.tags_any.begin(), f.tags_any.end(), carries)) {
    return false;
  }
  if (!std::all_of(f.tags_all.begin(), f.tags_all.end(), carries)) return false;
  return std::all_of(f.metadata.begin(), f.metadata.end(), [&](const MetadataMatch& match) {
    return MetadataFieldEquals(m.metadata_json, match.key, match.json_value);
  });
}

Status IdNotFound(std::string_view id) {
  return Status::NotFound("memory with id '" + std::string(id) + "' not found");
}

}  // namespace

InMemoryStore::RowRef InMemoryStore::FindRow(int64_t seq) {
  for (auto& [key, space] : spaces_) {
    auto it = space.rows.find(seq);
    if (it != space.rows.end()) return {&space, &it->second};
  }
  return {};
}

InMemoryStore::RowRef InMemoryStore::FindLiveById(AccountId account, std::string_view id,
                                                  int64_t now) {
  for (auto it = spaces_.lower_bound(SpaceKey(account, "")); it != spaces_.end(); ++it) {
    if (it->first.first != account) break;
    for (auto& [seq, row] : it->second.rows) {
      if (row.memory.id == id && IsLive(row.memory, now)) return {&it->second, &row};
    }
  }
  return {};
}

Result<std::optional<int64_t>> InMemoryStore::FindSpaceId(const SpaceRef& ref) {
  std::lock_guard lock(mu_);
  const Space* space = FindSpace(ref);
  if (space == nullptr) return std::optional<int64_t>();
  return std::optional<int64_t>(space->id);
}

Result<Memory> InMemoryStore::FindById(AccountId account, std::string_view id, int64_t now) {
  std::lock_guard lock(mu_);
  const RowRef found = FindLiveById(account, id, now);
  if (found.row == nullptr) return IdNotFound(id);
  return found.row->memory;
}

Result<Memory> InMemoryStore::UpdateById(AccountId account, std::string_view id,
                                         const MemoryWrite& write, const WriteLimits& limits,
                                         int64_t now) {
  std::lock_guard lock(mu_);
  const RowRef found = FindLiveById(account, id, now);
  if (found.row == nullptr) return IdNotFound(id);
  MEMORYD_ASSIGN_OR_RETURN(auto tags, AdmitTags(*found.space, write.tags, limits));
  found.space->tags.insert(tags.begin(), tags.end());
  // The key is the memory's identity in its space; an update by id never changes it.
  Rewrite(*found.row, write, std::move(tags), now);
  return found.row->memory;
}

Result<bool> InMemoryStore::DeleteById(AccountId account, std::string_view id, int64_t now) {
  std::lock_guard lock(mu_);
  const RowRef found = FindLiveById(account, id, now);
  if (found.row == nullptr) return false;
  Erase(*found.space, found.space->rows.find(found.row->memory.seq), now);
  return true;
}

Result<std::vector<Memory>> InMemoryStore::LoadBySeqs(const std::vector<int64_t>& seqs,
                                                      int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<Memory> out;
  out.reserve(seqs.size());
  for (int64_t seq : seqs) {
    const RowRef found = FindRow(seq);
    if (found.row != nullptr && IsLive(found.row->memory, now)) out.push_back(found.row->memory);
  }
  return out;
}

Result<std::vector<int64_t>> InMemoryStore::MatchingSeqs(const SpaceRef& ref,
                                                         const SearchFilter& filter, int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<int64_t> out;
  const Space* space = FindSpace(ref);
  if (space == nullptr) return out;
  for (const Memory* m : LiveMemories(*space, now)) {
    if (Passes(*m, filter)) out.push_back(m->seq);  // rows are kept by seq: already ascending
  }
  return out;
}

}  // namespace memoryd
