#include "store/import_rules.h"

#include <algorithm>

namespace memoryd {

std::vector<std::string> UniqueTags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const auto& tag : tags) {
    if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(tag);
  }
  return out;
}

bool SameImportedContent(const Memory& stored, const std::vector<float>& stored_embedding,
                         const std::string& stored_embedder, const MemoryRecord& rec) {
  const Memory& b = rec.memory;
  const bool same = stored.space == b.space && stored.key == b.key && stored.title == b.title &&
                    stored.text == b.text && stored.tags == UniqueTags(b.tags) &&
                    stored.metadata_json == b.metadata_json && stored.created_at == b.created_at &&
                    stored.updated_at == b.updated_at && stored.expires_at == b.expires_at;
  if (!same || rec.embedding.empty()) return same;
  return stored_embedding == rec.embedding && stored_embedder == rec.embedder;
}

}  // namespace memoryd
