#include "service/memory_service.h"

#include <algorithm>
#include <cmath>

#include "auth/api_key.h"
#include "service/validation.h"

namespace memoryd {
namespace {

constexpr int64_t kMaxPageSize = 200;
constexpr int64_t kMaxSearchLimit = 50;
constexpr double kMillisPerMinute = 60'000.0;

constexpr size_t kMaxUseEntries = 100'000;  // a backstop; entries are only of existing spaces
constexpr size_t kMaxUnwrittenUseEntries = 1024;

}  // namespace

MemoryService::MemoryService(Store& store, const Clock& clock, ServiceOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      limiter_(clock, options.rate_limit_per_minute, store) {}

void MemoryService::AddStaticKey(std::string_view key, Principal principal) {
  static_keys_.emplace_back(HashApiKey(key), std::move(principal));
}

Result<Principal> MemoryService::Authenticate(std::string_view token) {
  if (token.empty()) return Status::Unauthenticated("missing API key");
  const std::string hash = HashApiKey(token);
  for (const auto& [static_hash, principal] : static_keys_) {
    if (DigestsEqual(hash, static_hash)) return principal;
  }
  const int64_t now_micros = clock_.MonotonicMicros();
  if (auto cached = store_keys_.Find(hash, now_micros)) {
    key_uses_.Note(cached->id, clock_.NowMillis());
    return Principal{cached->account_id, cached->space, cached->read_only};
  }
  auto record = store_.FindApiKey(hash);
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) {
      return Status::Unauthenticated("invalid API key");
    }
    return record.status();
  }
  if (!DigestsEqual(hash, record->key_hash)) return Status::Unauthenticated("invalid API key");
  store_keys_.Insert(*record, now_micros);
  key_uses_.Note(record->id, clock_.NowMillis());
  return Principal{record->account_id, record->space, record->read_only};
}

Status MemoryService::FlushKeyUses() {
  std::vector<ApiKeyUse> due = key_uses_.TakeDue();
  Status s = store_.NoteApiKeysUsed(due);
  if (!s.ok()) key_uses_.Unwritten(due);
  return s;
}

Status MemoryService::Admit(const Principal& principal) {
  return limiter_.Admit(principal.account_id);
}

Result<SpaceRef> MemoryService::ResolveSpace(const Principal& principal, std::string_view requested,
                                             Access access) {
  std::string name(requested);
  if (principal.space) {
    if (!name.empty() && name != *principal.space) {
      return Status::PermissionDenied("this API key is scoped to space '" + *principal.space + "'");
    }
    name = *principal.space;
  }
  if (name.empty()) name = kDefaultSpace;
  MEMORYD_RETURN_IF_ERROR(ValidateSpaceName(name, options_));
  if (access == Access::kWrite && principal.read_only) {
    return Status::PermissionDenied("this API key is read-only");
  }
  return SpaceRef{principal.account_id, std::move(name)};
}

WriteLimits MemoryService::Limits() const {
  return WriteLimits{options_.max_memories_per_space, options_.max_tags_per_space};
}

Result<MemoryWrite> MemoryService::Prepare(MemoryInput input, int64_t now,
                                           std::string_view text_field) const {
  if (input.key) MEMORYD_RETURN_IF_ERROR(ValidateKey(*input.key, options_));
  MEMORYD_RETURN_IF_ERROR(ValidateText(input.text, options_, text_field));
  if (static_cast<int64_t>(input.title.size()) > options_.max_title_bytes) {
    return Status::TooLarge("'title' is larger than " + std::to_string(options_.max_title_bytes) +
                            " bytes");
  }
  if (static_cast<int64_t>(input.metadata_json.size()) > options_.max_metadata_bytes) {
    return Status::TooLarge("'metadata' is larger than " +
                            std::to_string(options_.max_metadata_bytes) + " bytes");
  }
  MEMORYD_RETURN_IF_ERROR(NormalizeTags(input.tags, options_));
  MemoryWrite w;
  if (input.ttl_minutes) {
    MEMORYD_RETURN_IF_ERROR(ValidateTtlMinutes(*input.ttl_minutes));
    // At least one millisecond, so that a tiny TTL still means "expires after now".
    w.expires_at = now + std::max<int64_t>(1, std::llround(*input.ttl_minutes * kMillisPerMinute));
  }
  w.key = std::move(input.key);
  w.title = std::move(input.title);
  w.text = std::move(input.text);
  w.tags = std::move(input.tags);
  w.metadata_json = std::move(input.metadata_json);
  return w;
}

Status MemoryService::ValidateKeys(const std::vector<std::string>& keys) const {
  if (static_cast<int64_t>(keys.size()) > options_.max_bulk_keys) {
    return Status::InvalidArgument("at most " + std::to_string(options_.max_bulk_keys) +
                                   " keys per request");
  }
  for (const auto& key : keys) MEMORYD_RETURN_IF_ERROR(ValidateKey(key, options_));
  return Status::Ok();
}

Result<PutOutcome> MemoryService::Put(const SpaceRef& space, MemoryInput input,
                                      std::string_view text_field) {
  const int64_t now = clock_.NowMillis();
  MEMORYD_ASSIGN_OR_RETURN(MemoryWrite write, Prepare(std::move(input), now, text_field));
  Embed({&write});
  auto outcome = store_.Put(space, write, Limits(), now);
  if (outcome.ok()) AfterWrite();
  return outcome;
}

Result<Memory> MemoryService::Get(const SpaceRef& space, std::string_view key) {
  MEMORYD_RETURN_IF_ERROR(ValidateKey(key, options_));
  return store_.GetByKey(space, key, clock_.NowMillis());
}

Result<bool> MemoryService::Exists(const SpaceRef& space, std::string_view key) {
  auto memory = Get(space, key);
  if (memory.ok()) return true;
  if (memory.status().code() == StatusCode::kNotFound) return false;
  return memory.status();
}

Status MemoryService::Delete(const SpaceRef& space, std::string_view key) {
  MEMORYD_RETURN_IF_ERROR(ValidateKey(key, options_));
  MEMORYD_ASSIGN_OR_RETURN(bool deleted, store_.DeleteByKey(space, key, clock_.NowMillis()));
  AfterWrite();
  if (!deleted) return Status::NotFound("memory '" + std::string(key) + "' not found");
  return Status::Ok();
}

Result<KeyPage> MemoryService::ListKeys(const SpaceRef& space, int64_t page, int64_t page_size) {
  if (page < 1) return Status::InvalidArgument("'page' must be an integer of at least 1");
  if (page_size < 1 || page_size > kMaxPageSize) {
    return Status::InvalidArgument("'pageSize' must be an integer from 1 to 200");
  }
  const int64_t now = clock_.NowMillis();
  KeyPage out;
  MEMORYD_ASSIGN_OR_RETURN(out.total, store_.CountMemories(space, now));
  // A page past the end (including one so far out that its offset would overflow) is empty.
  if (page - 1 > out.total / page_size) return out;
  const int64_t offset = (page - 1) * page_size;
  if (offset >= out.total) return out;
  MEMORYD_ASSIGN_OR_RETURN(out.keys,
                           store_.ListKeys(space, ListOptions{offset, page_size, {}}, now));
  return out;
}

Result<std::vector<Memory>> MemoryService::FindSubstring(const SpaceRef& space,
                                                         std::string_view needle, int64_t limit) {
  if (needle.empty()) return Status::InvalidArgument("'q' must not be empty");
  if (limit < 1 || limit > kMaxSearchLimit) {
    return Status::InvalidArgument("'limit' must be an integer from 1 to 50");
  }
  if (static_cast<int64_t>(needle.size()) > options_.max_value_bytes) {
    return Status::TooLarge("'q' is too long");
  }
  return store_.SubstringSearch(space, needle, limit, clock_.NowMillis());
}

Result<std::vector<std::string>> MemoryService::AllKeys(const SpaceRef& space) {
  const int64_t now = clock_.NowMillis();
  // Every key, even when a space holds more than a (since lowered) memory limit.
  MEMORYD_ASSIGN_OR_RETURN(auto listed, store_.ListKeys(space, ListOptions{0, INT64_MAX, {}}, now));
  std::vector<std::string> keys;
  keys.reserve(listed.size());
  for (auto& k : listed) keys.push_back(std::move(k.key));
  std::sort(keys.begin(), keys.end());
  return keys;
}

Result<int64_t> MemoryService::Count(const SpaceRef& space) {
  return store_.CountMemories(space, clock_.NowMillis());
}

Result<int64_t> MemoryService::Clear(const SpaceRef& space) {
  auto cleared = store_.ClearSpace(space, clock_.NowMillis());
  AfterWrite();
  return cleared;
}

Result<std::vector<BulkPutItemOutcome>> MemoryService::BulkPut(const SpaceRef& space,
                                                               std::vector<BulkItem> items) {
  if (static_cast<int64_t>(items.size()) > options_.max_bulk_set_items) {
    return Status::InvalidArgument("at most " + std::to_string(options_.max_bulk_set_items) +
                                   " items per request");
  }
  const int64_t now = clock_.NowMillis();
  std::vector<BulkPutItemOutcome> results(items.size());
  std::vector<MemoryWrite> writes;
  std::vector<size_t> positions;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].input) {
      results[i].error = items[i].error;
      continue;
    }
    if (!items[i].input->key) {
      results[i].error = "'key' is required";
      continue;
    }
    auto write = Prepare(std::move(*items[i].input), now);
    if (!write.ok()) {
      results[i].error = write.status().message();
      continue;
    }
    writes.push_back(std::move(write).value());
    positions.push_back(i);
  }
  if (writes.empty()) return results;
  std::vector<MemoryWrite*> to_embed;
  for (auto& w : writes) to_embed.push_back(&w);
  Embed(std::move(to_embed));
  MEMORYD_ASSIGN_OR_RETURN(auto stored, store_.BulkPut(space, writes, Limits(), now));
  AfterWrite();
  for (size_t j = 0; j < stored.size(); ++j) results[positions[j]] = std::move(stored[j]);
  return results;
}

Result<std::vector<std::optional<Memory>>> MemoryService::BulkGet(
    const SpaceRef& space, const std::vector<std::string>& keys) {
  MEMORYD_RETURN_IF_ERROR(ValidateKeys(keys));
  const int64_t now = clock_.NowMillis();
  std::vector<std::optional<Memory>> out;
  for (const auto& key : keys) {
    auto memory = store_.GetByKey(space, key, now);
    if (memory.ok()) {
      out.emplace_back(std::move(memory).value());
    } else if (memory.status().code() == StatusCode::kNotFound) {
      out.emplace_back();
    } else {
      return memory.status();
    }
  }
  return out;
}

Result<std::vector<bool>> MemoryService::BulkDelete(const SpaceRef& space,
                                                    const std::vector<std::string>& keys) {
  MEMORYD_RETURN_IF_ERROR(ValidateKeys(keys));
  auto deleted = store_.BulkDeleteByKey(space, keys, clock_.NowMillis());
  AfterWrite();
  return deleted;
}

Result<std::vector<std::string>> MemoryService::ListTags(const SpaceRef& space) {
  return store_.ListTags(space);
}

Result<bool> MemoryService::CreateTag(const SpaceRef& space, std::string_view name) {
  MEMORYD_RETURN_IF_ERROR(ValidateTag(name, options_));
  return store_.CreateTag(space, name, Limits(), clock_.NowMillis());
}

Status MemoryService::DeleteTag(const SpaceRef& space, std::string_view name) {
  MEMORYD_RETURN_IF_ERROR(ValidateTag(name, options_));
  MEMORYD_ASSIGN_OR_RETURN(bool deleted, store_.DeleteTag(space, name));
  if (!deleted) return Status::NotFound("tag '" + std::string(name) + "' not found");
  return Status::Ok();
}

Result<std::vector<std::string>> MemoryService::KeysWithTags(const SpaceRef& space,
                                                             std::vector<std::string> tags) {
  if (tags.empty()) return Status::InvalidArgument("'tags' must name at least one tag");
  MEMORYD_RETURN_IF_ERROR(NormalizeTags(tags, options_));
  return store_.KeysWithAllTags(space, tags, clock_.NowMillis());
}

Result<SpaceSummary> MemoryService::Summary(const SpaceRef& space) {
  SpaceSummary out;
  out.memory_limit = options_.max_memories_per_space;
  out.tag_limit = options_.max_tags_per_space;
  auto info = store_.GetSpace(space, clock_.NowMillis());
  if (info.ok()) {
    out.info = std::move(info).value();
    out.last_used = out.info.last_used;
  } else if (info.status().code() == StatusCode::kNotFound) {
    out.info.name = space.name;
  } else {
    return info.status();
  }
  if (auto seen = LastUse(space); seen && (!out.last_used || *seen > *out.last_used)) {
    out.last_used = seen;
  }
  return out;
}

Result<int64_t> MemoryService::PurgeExpired() {
  auto purged = store_.PurgeExpired(clock_.NowMillis());
  AfterWrite();
  return purged;
}

void MemoryService::NoteUse(const SpaceRef& space) {
  const int64_t now = clock_.NowMillis();
  const std::string key = UseKey(space);
  {
    std::lock_guard lock(use_mu_);
    if (auto it = last_use_.find(key); it != last_use_.end()) {
      it->second = now;
      return;
    }
    if (auto it = unwritten_use_.find(key); it != unwritten_use_.end()) {
      it->second = now;
      return;
    }
  }
  // A name seen for the first time: spaces that exist go into last_use_ (bounded by the spaces
  // there are); names of spaces never written go into a small table that forgets its oldest
  // entry when full, so requests naming ever new spaces cannot grow memory.
  auto id = store_.FindSpaceId(space);
  const bool exists = id.ok() && id->has_value();
  std::lock_guard lock(use_mu_);
  if (exists) {
    if (last_use_.size() < kMaxUseEntries) last_use_[key] = now;
    return;
  }
  if (unwritten_use_.size() >= kMaxUnwrittenUseEntries) {
    auto oldest =
        std::min_element(unwritten_use_.begin(), unwritten_use_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    unwritten_use_.erase(oldest);
  }
  unwritten_use_[key] = now;
}

std::string MemoryService::UseKey(const SpaceRef& space) {
  return std::to_string(space.account_id) + '\0' + space.name;
}

std::optional<int64_t> MemoryService::LastUse(const SpaceRef& space) {
  const std::string key = UseKey(space);
  std::lock_guard lock(use_mu_);
  std::optional<int64_t> last;
  if (auto it = last_use_.find(key); it != last_use_.end()) last = it->second;
  if (auto it = unwritten_use_.find(key); it != unwritten_use_.end()) {
    last = std::max(last.value_or(it->second), it->second);
  }
  return last;
}

}  // namespace memoryd
