// InMemoryStore: export and import (store.h), with SqlStore's semantics.
#include <algorithm>
#include <tuple>

#include "store/import_rules.h"
#include "store/in_memory_store.h"
#include "store/store_rules.h"

namespace memoryd {
namespace {

using store_rules::IsLive;

MemoryWrite ToWrite(const MemoryRecord& rec) {
  MemoryWrite w;
  w.key = rec.memory.key;
  w.title = rec.memory.title;
  w.text = rec.memory.text;
  w.metadata_json = rec.memory.metadata_json;
  w.expires_at = rec.memory.expires_at;
  w.embedding = rec.embedding;
  w.embedder = rec.embedder;
  return w;
}

}  // namespace

Status InMemoryStore::ExportMemories(AccountId account, const std::optional<std::string>& space,
                                     bool with_embeddings, int64_t now,
                                     const std::function<Status(MemoryRecord&&)>& fn) {
  // Copied under the lock, handed out after it: `fn` may be slow (it writes a file).
  std::vector<MemoryRecord> records;
  {
    std::lock_guard lock(mu_);
    for (auto it = spaces_.lower_bound(SpaceKey(account, "")); it != spaces_.end(); ++it) {
      if (it->first.first != account) break;
      if (space && it->first.second != *space) continue;
      const size_t first = records.size();
      for (const auto& [seq, row] : it->second.rows) {
        if (!IsLive(row.memory, now)) continue;
        MemoryRecord rec{row.memory, {}, {}};
        if (with_embeddings && !row.embedding.empty()) {
          rec.embedding = row.embedding;
          rec.embedder = row.embedder;
        }
        records.push_back(std::move(rec));
      }
      std::sort(records.begin() + static_cast<std::ptrdiff_t>(first), records.end(),
                [](const MemoryRecord& a, const MemoryRecord& b) {
                  return std::tie(a.memory.created_at, a.memory.seq) <
                         std::tie(b.memory.created_at, b.memory.seq);
                });
    }
  }
  for (auto& rec : records) MEMORYD_RETURN_IF_ERROR(fn(std::move(rec)));
  return Status::Ok();
}

Result<std::vector<ImportOutcome>> InMemoryStore::ImportMemories(
    AccountId account, const std::vector<MemoryRecord>& records, int64_t now) {
  std::lock_guard lock(mu_);
  // All or nothing, as SqlStore's one transaction: the only failure is checked up front.
  for (const auto& rec : records) {
    for (const auto& [key, space] : spaces_) {
      for (const auto& [seq, row] : space.rows) {
        if (row.memory.id == rec.memory.id && key.first != account) {
          return Status::Conflict("id '" + rec.memory.id + "' belongs to another account");
        }
      }
    }
  }
  std::vector<ImportOutcome> outcomes;
  outcomes.reserve(records.size());
  for (const auto& rec : records) {
    MEMORYD_ASSIGN_OR_RETURN(auto outcome, ImportLocked(account, rec, now));
    outcomes.push_back(outcome);
  }
  return outcomes;
}

bool InMemoryStore::FreeKey(Space& space, const MemoryRecord& rec, int64_t now) {
  if (!rec.memory.key) return false;
  for (auto it = space.rows.begin(); it != space.rows.end(); ++it) {
    const Memory& m = it->second.memory;
    if (m.key != rec.memory.key || m.id == rec.memory.id) continue;
    const bool live = IsLive(m, now);
    Erase(space, it, now);
    return live;
  }
  return false;
}

Result<ImportOutcome> InMemoryStore::ImportLocked(AccountId account, const MemoryRecord& rec,
                                                  int64_t now) {
  Space* old_space = nullptr;
  Row* stored = nullptr;
  for (auto& [key, space] : spaces_) {
    for (auto& [seq, row] : space.rows) {
      if (row.memory.id != rec.memory.id) continue;
      old_space = &space;
      stored = &row;
    }
  }
  if (stored && SameImportedContent(stored->memory, stored->embedding, stored->embedder, rec)) {
    return ImportOutcome::kUnchanged;
  }
  bool created = false;
  auto it = OpenSpace(SpaceRef{account, rec.memory.space}, now, &created);
  Space& space = it->second;
  bool replaced = FreeKey(space, rec, now);
  const std::vector<std::string> tags = UniqueTags(rec.memory.tags);
  space.tags.insert(tags.begin(), tags.end());
  if (stored && old_space != &space) {
    // As in SqlStore: a memory never changes space under its seq.
    replaced = replaced || IsLive(stored->memory, now);
    Erase(*old_space, old_space->rows.find(stored->memory.seq), now);
    stored = nullptr;
  }
  const bool was_live = stored && IsLive(stored->memory, now);
  Row* target = stored;
  if (!target) {
    target = &space.rows[next_seq_];
    target->memory.seq = next_seq_++;
    target->memory.id = rec.memory.id;
    target->memory.space = rec.memory.space;
  }
  const bool keep_embedding =
      stored && rec.embedding.empty() && stored->memory.key == rec.memory.key &&
      stored->memory.title == rec.memory.title && stored->memory.text == rec.memory.text;
  std::vector<float> kept_embedding = keep_embedding ? target->embedding : std::vector<float>();
  std::string kept_embedder = keep_embedding ? target->embedder : std::string();
  target->memory.key = rec.memory.key;
  Rewrite(*target, ToWrite(rec), tags, now);
  if (keep_embedding) {
    target->embedding = std::move(kept_embedding);
    target->embedder = std::move(kept_embedder);
  }
  target->memory.created_at = rec.memory.created_at;
  target->memory.updated_at = rec.memory.updated_at;
  CloseSpace(it, created, true, now);
  return was_live || replaced ? ImportOutcome::kReplaced : ImportOutcome::kCreated;
}

}  // namespace memoryd
