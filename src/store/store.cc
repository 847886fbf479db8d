#include "store/store.h"

#include <string>

namespace memoryd {

Result<Memory> Store::GetById(const SpaceRef& space, std::string_view id, int64_t now) {
  auto found = FindById(space.account_id, id, now);
  if (found.ok() && found->space == space.name) return found;
  if (!found.ok() && found.status().code() != StatusCode::kNotFound) return found.status();
  return Status::NotFound("memory with id '" + std::string(id) + "' not found");
}

Result<int64_t> Store::CountMemories(const SpaceRef& space, int64_t now) {
  auto info = GetSpace(space, now);
  if (info.ok()) return info->memory_count;
  if (info.status().code() == StatusCode::kNotFound) return int64_t{0};
  return info.status();
}

Result<bool> Store::DeleteByKey(const SpaceRef& space, std::string_view key, int64_t now) {
  MEMORYD_ASSIGN_OR_RETURN(auto deleted,
                           BulkDeleteByKey(space, std::vector<std::string>{std::string(key)}, now));
  return !deleted.empty() && deleted.front();
}

Result<bool> Store::SetEmbedding(int64_t seq, int64_t version, const std::vector<float>& vector,
                                 std::string_view embedder) {
  MEMORYD_ASSIGN_OR_RETURN(int64_t stored,
                           SetEmbeddings({EmbeddingUpdate{seq, version, vector}}, embedder));
  return stored > 0;
}

}  // namespace memoryd
