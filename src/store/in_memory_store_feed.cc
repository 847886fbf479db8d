// InMemoryStore: the index feed (versions, removals, embeddings) that search indexes follow.
#include <algorithm>

#include "store/in_memory_store.h"

namespace memoryd {
namespace {

IndexRecord ToRecord(int64_t space_id, int64_t version, const Memory& m,
                     std::vector<float> embedding, const std::string& embedder) {
  IndexRecord r;
  r.seq = m.seq;
  r.space_id = space_id;
  r.version = version;
  r.key = m.key;
  r.title = m.title;
  r.text = m.text;
  r.expires_at = m.expires_at;
  r.embedding = std::move(embedding);
  r.embedder = embedder;
  return r;
}

}  // namespace

void InMemoryStore::PruneRemovals(int64_t before) {
  for (const Removal& r : removals_) {
    if (r.removed_at < before) removal_floor_ = std::max(removal_floor_, r.removal.version);
  }
  std::erase_if(removals_, [&](const Removal& r) { return r.removed_at < before; });
}

Result<StoreTotals> InMemoryStore::Totals() {
  std::lock_guard lock(mu_);
  StoreTotals totals;
  totals.spaces = static_cast<int64_t>(spaces_.size());
  for (const auto& [key, space] : spaces_)
    totals.memories += static_cast<int64_t>(space.rows.size());
  return totals;
}

Result<int64_t> InMemoryStore::CurrentVersion() {
  std::lock_guard lock(mu_);
  return version_;
}

Result<IndexChanges> InMemoryStore::ChangesSince(int64_t version, int64_t limit) {
  std::lock_guard lock(mu_);
  IndexChanges out;
  out.version = version_;
  if (version < removal_floor_) {
    out.complete = false;
    return out;
  }
  // Versions are dense, so a window of `limit` versions holds at most `limit` changes.
  const int64_t upto = std::min(version_, version + std::max<int64_t>(1, limit));
  const auto in_window = [&](int64_t v) { return v > version && v <= upto; };
  for (const auto& [key, space] : spaces_) {
    for (const auto& [seq, row] : space.rows) {
      if (!in_window(row.version)) continue;
      out.upserts.push_back(
          ToRecord(space.id, row.version, row.memory, row.embedding, row.embedder));
    }
  }
  std::sort(out.upserts.begin(), out.upserts.end(),
            [](const IndexRecord& a, const IndexRecord& b) { return a.version < b.version; });
  for (const Removal& r : removals_) {
    if (in_window(r.removal.version)) out.removals.push_back(r.removal);
  }
  out.version = upto;
  return out;
}

Result<int64_t> InMemoryStore::ScanIndex(int64_t embeddings_after,
                                         const std::function<Status(IndexRecord&&)>& fn) {
  // Copy the snapshot out, so that `fn` runs without the lock and may call the store.
  std::vector<IndexRecord> records;
  int64_t version = 0;
  {
    std::lock_guard lock(mu_);
    version = version_;
    for (const auto& [key, space] : spaces_) {
      for (const auto& [seq, row] : space.rows) {
        auto embedding = row.version > embeddings_after ? row.embedding : std::vector<float>();
        records.push_back(
            ToRecord(space.id, row.version, row.memory, std::move(embedding), row.embedder));
      }
    }
  }
  std::sort(records.begin(), records.end(),
            [](const IndexRecord& a, const IndexRecord& b) { return a.seq < b.seq; });
  for (IndexRecord& record : records) MEMORYD_RETURN_IF_ERROR(fn(std::move(record)));
  return version;
}

Result<std::vector<EmbeddingTask>> InMemoryStore::StaleEmbeddings(std::string_view embedder,
                                                                  int64_t limit) {
  std::lock_guard lock(mu_);
  std::vector<EmbeddingTask> out;
  for (const auto& [key, space] : spaces_) {
    for (const auto& [seq, row] : space.rows) {
      if (row.embedder == embedder) continue;
      const Memory& m = row.memory;
      out.push_back({m.seq, row.version, m.key, m.title, m.text});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const EmbeddingTask& a, const EmbeddingTask& b) { return a.seq < b.seq; });
  // SQL's LIMIT: a negative limit means no limit.
  if (limit >= 0 && out.size() > static_cast<size_t>(limit)) out.resize(static_cast<size_t>(limit));
  return out;
}

Result<int64_t> InMemoryStore::CountStaleEmbeddings(std::string_view embedder) {
  std::lock_guard lock(mu_);
  int64_t stale = 0;
  for (const auto& [key, space] : spaces_) {
    stale += std::count_if(space.rows.begin(), space.rows.end(),
                           [&](const auto& entry) { return entry.second.embedder != embedder; });
  }
  return stale;
}

bool InMemoryStore::SetEmbeddingLocked(int64_t seq, int64_t version,
                                       const std::vector<float>& vector,
                                       std::string_view embedder) {
  const RowRef found = FindRow(seq);
  if (found.row == nullptr || found.row->version != version) return false;
  found.row->embedding = vector;
  found.row->embedder = std::string(embedder);
  found.row->version = ++version_;
  return true;
}

Result<int64_t> InMemoryStore::SetEmbeddings(const std::vector<EmbeddingUpdate>& updates,
                                             std::string_view embedder) {
  std::lock_guard lock(mu_);  // one transaction: no reader sees half of the batch
  int64_t stored = 0;
  for (const EmbeddingUpdate& u : updates) {
    stored += SetEmbeddingLocked(u.seq, u.version, u.vector, embedder) ? 1 : 0;
  }
  return stored;
}

}  // namespace memoryd
