// The semantic half of MemoryService (seed 000 and the MCP tools): add with dedupe, hybrid search,
// recent memories, by-id access and whole spaces. Also the embedding of every write.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "search/search_engine.h"
#include "search/space_index.h"
#include "service/memory_service.h"
#include "service/validation.h"
#include "text/case_fold.h"

namespace memoryd {
namespace {

constexpr int64_t kMaxTopK = 100;
constexpr int64_t kMaxRecent = 200;
// Scores are reported to three decimals: below this a result would read as a score of 0.
constexpr double kLeastReportedScore = 0.0005;
constexpr double kDuplicateScore = 0.95;
constexpr double kDuplicateMeaning = 0.9;

// Case folded, runs of whitespace as one space, none at either end: "same text" for dedupe.
std::string FoldForComparison(std::string_view text) {
  std::string folded = text::FoldForMatch(text);
  std::string out;
  out.reserve(folded.size());
  for (char c : folded) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (!space) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != ' ') {
      out.push_back(' ');
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Status NoSearch() { return Status::Unavailable("search is not enabled on this server"); }

std::string Cursor(const Memory& m) {
  return std::to_string(m.created_at) + "-" + std::to_string(m.seq);
}

Result<std::optional<std::pair<int64_t, int64_t>>> ParseCursor(std::string_view cursor) {
  using Position = std::optional<std::pair<int64_t, int64_t>>;
  if (cursor.empty()) return Position();
  const Status bad = Status::InvalidArgument("'cursor' is not a cursor this server returned");
  const size_t dash = cursor.find('-');
  if (dash == std::string_view::npos) return bad;
  int64_t created = 0;
  int64_t seq = 0;
  const auto a = std::from_chars(cursor.data(), cursor.data() + dash, created);
  const auto b = std::from_chars(cursor.data() + dash + 1, cursor.data() + cursor.size(), seq);
  if (a.ec != std::errc() || a.ptr != cursor.data() + dash || b.ec != std::errc() ||
      b.ptr != cursor.data() + cursor.size() || created < 0 || seq < 0) {
    return bad;
  }
  return Position(std::pair{created, seq});
}

}  // namespace

void MemoryService::AttachSearch(SearchEngine* engine, EmbedderGuard* embedder,
                                 std::function<void()> on_write) {
  engine_ = engine;
  embedder_ = embedder;
  on_write_ = std::move(on_write);
}

void MemoryService::SetLoadingAnalyzer(std::shared_ptr<const text::TextAnalyzer> analyzer) {
  loading_analyzer_ = std::move(analyzer);
}

void MemoryService::SetEngine(SearchEngine* engine) {
  {
    std::lock_guard lock(engine_mu_);
    engine_ = engine;
  }
  engine_cv_.notify_all();
  // Writes made while the indexes loaded noted nothing: the next search must catch up first.
  if (engine != nullptr) engine->NoteWrite();
}

void MemoryService::SetLoadingProblem(std::string problem) {
  std::lock_guard lock(engine_mu_);
  loading_problem_ = std::move(problem);
}

std::string MemoryService::IndexesLoading() const {
  if (embedder_ == nullptr || engine_.load() != nullptr) return "";
  std::lock_guard lock(engine_mu_);
  if (!loading_problem_.empty())
    return "the search indexes could not be loaded: " + loading_problem_;
  return "the search indexes are loading";
}

SearchEngine* MemoryService::Engine(std::chrono::milliseconds wait) const {
  if (SearchEngine* engine = engine_.load()) return engine;
  std::unique_lock lock(engine_mu_);
  if (!loading_problem_.empty()) return nullptr;  // it will not come: no waiting
  engine_cv_.wait_for(lock, wait,
                      [this] { return engine_.load() != nullptr || !loading_problem_.empty(); });
  return engine_.load();
}

Result<SearchAnswer> MemoryService::SearchWhileLoading(const SpaceRef& space,
                                                       const SearchQuery& query, int64_t now) {
  constexpr size_t kMaxWords = 16;  // one store scan per word
  SearchAnswer answer;
  const std::string loading = IndexesLoading();
  answer.degraded = (loading.empty() ? std::string("the search indexes were loading") : loading) +
                    "; results are matched by words only";
  std::vector<std::string> words;
  if (loading_analyzer_) words = loading_analyzer_->AnalyzeQuery(query.text).terms;
  if (words.size() > kMaxWords) words.resize(kMaxWords);
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  if (words.empty()) return answer;
  std::unordered_map<int64_t, std::pair<Memory, int>> found;  // seq -> memory, words matched
  for (const std::string& word : words) {
    MEMORYD_ASSIGN_OR_RETURN(auto memories, store_.SubstringSearch(space, word, kMaxTopK, now));
    for (Memory& m : memories) {
      auto [it, fresh] = found.try_emplace(m.seq, std::move(m), 0);
      ++it->second.second;
    }
  }
  std::unordered_set<int64_t> allowed;
  if (!query.filter.empty()) {
    MEMORYD_ASSIGN_OR_RETURN(auto seqs, store_.MatchingSeqs(space, query.filter, now));
    allowed.insert(seqs.begin(), seqs.end());
  }
  for (auto& [seq, entry] : found) {
    if (!query.filter.empty() && !allowed.contains(seq)) continue;
    const double score = static_cast<double>(entry.second) / static_cast<double>(words.size());
    answer.results.push_back({std::move(entry.first), score, 0.0, nullptr});
  }
  std::sort(answer.results.begin(), answer.results.end(),
            [](const SearchResult& a, const SearchResult& b) {
              return a.score != b.score ? a.score > b.score : a.memory.seq > b.memory.seq;
            });
  if (answer.results.size() > static_cast<size_t>(query.top_k)) {
    answer.results.resize(static_cast<size_t>(query.top_k));
  }
  return answer;
}

void MemoryService::Embed(std::vector<MemoryWrite*> writes) const {
  // A write never waits for an embedder outside the process: it is stored without its vector
  // (durably pending) and the background embedding fills it in.
  if (embedder_ == nullptr || writes.empty() || !embedder_->InProcess()) return;
  std::vector<std::string> texts;
  texts.reserve(writes.size());
  for (const MemoryWrite* w : writes)
    texts.push_back(SpaceIndex::IndexText(w->key, w->title, w->text));
  auto vectors = embedder_->embedder().Embed(texts);
  if (!vectors.ok() || vectors->size() != writes.size()) return;
  const std::string name = embedder_->embedder().Name();
  for (size_t i = 0; i < writes.size(); ++i) {
    writes[i]->embedding = std::move((*vectors)[i]);
    writes[i]->embedder = name;
  }
}

void MemoryService::AfterWrite() const {
  // The follower indexes the write off this path; searches catch up first (SearchIn). Results
  // are always re-read from the store, so nothing deleted or expired is ever shown.
  if (SearchEngine* engine = engine_.load()) engine->NoteWrite();
  if (on_write_ && embedder_ != nullptr && !embedder_->InProcess()) on_write_();
}

Status MemoryService::ValidateFilter(SearchFilter& filter) const {
  MEMORYD_RETURN_IF_ERROR(NormalizeTags(filter.tags_any, options_));
  MEMORYD_RETURN_IF_ERROR(NormalizeTags(filter.tags_all, options_));
  int64_t bytes = 0;
  for (const auto& match : filter.metadata) bytes += match.key.size() + match.json_value.size();
  if (bytes > options_.max_metadata_bytes) {
    return Status::TooLarge("the 'metadata' filter is larger than " +
                            std::to_string(options_.max_metadata_bytes) + " bytes");
  }
  return Status::Ok();
}

std::shared_ptr<const Explanation> MemoryService::Explain(const SearchEngine& engine,
                                                          const MatchExplainer& explainer,
                                                          const EngineHit& hit,
                                                          const Memory& memory) {
  auto explanation = std::make_shared<Explanation>();
  explanation->keyword = hit.keyword;
  explanation->vector = hit.vector;
  explanation->keyword_weight = engine.fusion().keyword_weight;
  explanation->cosine_floor = hit.cosine_floor;
  explainer.Explain(SpaceIndex::IndexText(memory.key, memory.title, memory.text),
                    explanation.get());
  return explanation;
}

Result<SearchAnswer> MemoryService::SearchIn(const SpaceRef& space, const SearchQuery& query,
                                             int64_t now) {
  // Right after a start the indexes may still be loading: wait a moment, then match words.
  constexpr auto kLoadingWait = std::chrono::milliseconds(1000);
  SearchEngine* engine = Engine(kLoadingWait);
  if (engine == nullptr) return SearchWhileLoading(space, query, now);
  SearchAnswer answer;
  std::vector<SearchResult>& out = answer.results;
  // Read your writes: index what this process wrote before searching. A failure here only
  // means the indexes are a moment behind.
  (void)engine->CatchUpIfWritten();
  MEMORYD_ASSIGN_OR_RETURN(auto space_id, store_.FindSpaceId(space));
  if (!space_id) return answer;
  std::unordered_set<uint64_t> allowed;
  if (!query.filter.empty()) {
    MEMORYD_ASSIGN_OR_RETURN(auto seqs, store_.MatchingSeqs(space, query.filter, now));
    if (seqs.empty()) return answer;
    allowed.insert(seqs.begin(), seqs.end());
  }
  QueryEmbedding embedded = embedder_->EmbedQuery(query.text);
  answer.degraded = std::move(embedded.degraded);
  const auto hits =
      engine->Search(*space_id, query.text, embedded.vector, static_cast<size_t>(query.top_k),
                     query.filter.empty() ? nullptr : &allowed, now);
  std::vector<int64_t> seqs;
  for (const auto& hit : hits) seqs.push_back(hit.seq);
  MEMORYD_ASSIGN_OR_RETURN(auto memories, store_.LoadBySeqs(seqs, now));
  std::unordered_map<int64_t, Memory*> by_seq;
  for (auto& m : memories) by_seq[m.seq] = &m;
  // The query is analysed for explanations once, not once per result.
  std::optional<MatchExplainer> explainer;
  if (query.explain) explainer.emplace(engine->analyzer(), query.text);
  for (const auto& hit : hits) {
    auto it = by_seq.find(hit.seq);
    // Deleted or expired since it was indexed; the space check is defence in depth.
    if (it == by_seq.end() || it->second->space != space.name) continue;
    out.push_back({std::move(*it->second), std::clamp<double>(hit.score, 0.0, 1.0),
                   std::clamp<double>(hit.vector, 0.0, 1.0), nullptr});
    if (explainer) out.back().explanation = Explain(*engine, *explainer, hit, out.back().memory);
  }
  return answer;
}

Result<SearchAnswer> MemoryService::Search(const SpaceRef& space, const SearchQuery& query) {
  if (embedder_ == nullptr) return NoSearch();
  if (query.text.empty()) return Status::InvalidArgument("'q' must be a non-empty string");
  MEMORYD_RETURN_IF_ERROR(ValidateText(query.text, options_, "q"));
  if (query.top_k < 1 || query.top_k > kMaxTopK) {
    return Status::InvalidArgument("'top_k' must be an integer from 1 to 100");
  }
  if (!(query.min_score >= 0 && query.min_score <= 1)) {
    return Status::InvalidArgument("'min_score' must be a number from 0 to 1");
  }
  SearchQuery checked = query;
  MEMORYD_RETURN_IF_ERROR(ValidateFilter(checked.filter));
  MEMORYD_ASSIGN_OR_RETURN(SearchAnswer answer, SearchIn(space, checked, clock_.NowMillis()));
  // A result that matches nothing of the query only pads the answer.
  const double least = std::max(query.min_score, kLeastReportedScore);
  std::erase_if(answer.results, [&](const SearchResult& r) { return r.score < least; });
  return answer;
}

Result<AddResult> MemoryService::Add(const SpaceRef& space, MemoryInput input, bool dedupe) {
  if (embedder_ == nullptr) return NoSearch();
  if (input.text.empty()) return Status::InvalidArgument("'text' must be a non-empty string");
  const int64_t now = clock_.NowMillis();
  MEMORYD_ASSIGN_OR_RETURN(MemoryWrite write, Prepare(std::move(input), now, "text"));
  if (dedupe) {
    SearchQuery probe;
    probe.text = SpaceIndex::IndexText(write.key, write.title, write.text);
    probe.top_k = 5;
    MEMORYD_ASSIGN_OR_RETURN(auto answer, SearchIn(space, probe, now));
    auto& found = answer.results;
    // Found by words alone: an exact copy needs no vector (the embedder may be down, or the
    // memory still waiting for its vector).
    if (auto copy = ExactCopy(found, write)) return AddResult{std::move(*copy), false, true};
    // The fused score is asymmetric (a memory holding every word of the new text scores high
    // even when it says much more); a duplicate must also be close in meaning as a whole.
    for (auto& hit : found) {
      if (hit.score >= kDuplicateScore && hit.meaning >= kDuplicateMeaning) {
        return AddResult{std::move(hit.memory), false, true};
      }
    }
  }
  Embed({&write});
  MEMORYD_ASSIGN_OR_RETURN(auto outcome, store_.Put(space, write, Limits(), now));
  AfterWrite();
  return AddResult{std::move(outcome.memory), outcome.created, false};
}

std::optional<Memory> MemoryService::ExactCopy(const std::vector<SearchResult>& candidates,
                                               const MemoryWrite& write) const {
  const std::string wanted = FoldForComparison(write.text);
  for (const SearchResult& hit : candidates) {
    if (FoldForComparison(hit.memory.text) == wanted) {
      return hit.memory;
    }
  }
  return std::nullopt;
}

Result<std::vector<Memory>> MemoryService::WithAllTags(const SpaceRef& space,
                                                       std::vector<std::string> tags,
                                                       int64_t limit) {
  if (tags.empty()) return Status::InvalidArgument("'tags' must name at least one tag");
  if (limit < 1 || limit > kMaxRecent) {
    return Status::InvalidArgument("'limit' must be an integer from 1 to 200");
  }
  MEMORYD_RETURN_IF_ERROR(NormalizeTags(tags, options_));
  SearchFilter filter;
  filter.tags_all = std::move(tags);
  const int64_t now = clock_.NowMillis();
  MEMORYD_ASSIGN_OR_RETURN(auto seqs, store_.MatchingSeqs(space, filter, now));
  // Sequence numbers grow as memories are created: the last ones are the newest.
  const auto keep = std::min<size_t>(seqs.size(), static_cast<size_t>(limit));
  std::vector<int64_t> newest(seqs.rbegin(), seqs.rbegin() + static_cast<std::ptrdiff_t>(keep));
  return store_.LoadBySeqs(newest, now);
}

Result<RecentPage> MemoryService::Recent(const SpaceRef& space, int64_t limit,
                                         std::string_view cursor) {
  if (limit < 1 || limit > kMaxRecent) {
    return Status::InvalidArgument("'limit' must be an integer from 1 to 200");
  }
  MEMORYD_ASSIGN_OR_RETURN(auto before, ParseCursor(cursor));
  ListOptions opts;
  opts.limit = limit + 1;
  opts.before = before;
  MEMORYD_ASSIGN_OR_RETURN(auto memories, store_.ListMemories(space, opts, clock_.NowMillis()));
  RecentPage page;
  if (static_cast<int64_t>(memories.size()) > limit) {
    memories.resize(static_cast<size_t>(limit));
    page.next_cursor = Cursor(memories.back());
  }
  page.memories = std::move(memories);
  return page;
}

Result<Memory> MemoryService::FindVisible(const Principal& principal, std::string_view id,
                                          int64_t now) {
  const Status missing = Status::NotFound("memory with id '" + std::string(id) + "' not found");
  if (id.empty() || id.size() > 64 || !IsValidUtf8(id) || HasControlChar(id)) return missing;
  auto memory = store_.FindById(principal.account_id, id, now);
  if (!memory.ok())
    return memory.status().code() == StatusCode::kNotFound ? missing : memory.status();
  if (principal.space && memory->space != *principal.space) return missing;
  return memory;
}

Result<Memory> MemoryService::GetById(const Principal& principal, std::string_view id) {
  return FindVisible(principal, id, clock_.NowMillis());
}

Result<Memory> MemoryService::UpdateById(const Principal& principal, std::string_view id,
                                         MemoryPatch patch) {
  if (principal.read_only) return Status::PermissionDenied("this API key is read-only");
  const int64_t now = clock_.NowMillis();
  MEMORYD_ASSIGN_OR_RETURN(Memory current, FindVisible(principal, id, now));
  if (patch.text && patch.text->empty()) {
    return Status::InvalidArgument("'text' must be a non-empty string");
  }
  MemoryInput input;
  input.key = current.key;
  input.title = patch.title ? std::move(*patch.title) : current.title;
  input.text = patch.text ? std::move(*patch.text) : current.text;
  input.tags = patch.tags ? std::move(*patch.tags) : current.tags;
  input.metadata_json =
      patch.metadata_json ? std::move(*patch.metadata_json) : current.metadata_json;
  input.ttl_minutes = patch.ttl_minutes;
  MEMORYD_ASSIGN_OR_RETURN(MemoryWrite write, Prepare(std::move(input), now, "text"));
  if (!patch.ttl_minutes && !patch.clear_expiry) write.expires_at = current.expires_at;
  Embed({&write});
  auto updated = store_.UpdateById(principal.account_id, id, write, Limits(), now);
  if (updated.ok()) AfterWrite();
  return updated;
}

Status MemoryService::DeleteById(const Principal& principal, std::string_view id) {
  if (principal.read_only) return Status::PermissionDenied("this API key is read-only");
  const int64_t now = clock_.NowMillis();
  MEMORYD_ASSIGN_OR_RETURN(Memory current, FindVisible(principal, id, now));
  MEMORYD_ASSIGN_OR_RETURN(bool deleted, store_.DeleteById(principal.account_id, id, now));
  AfterWrite();
  if (!deleted) return Status::NotFound("memory with id '" + std::string(id) + "' not found");
  return Status::Ok();
}

Result<std::vector<SpaceInfo>> MemoryService::ListSpaces(const Principal& principal) {
  MEMORYD_ASSIGN_OR_RETURN(auto spaces,
                           store_.ListSpaces(principal.account_id, clock_.NowMillis()));
  if (principal.space) {
    std::erase_if(spaces, [&](const SpaceInfo& s) { return s.name != *principal.space; });
  }
  return spaces;
}

std::optional<EmbedderHealth> MemoryService::GetEmbedderHealth() const {
  if (embedder_ == nullptr) return std::nullopt;
  return embedder_->Health();
}

Result<int64_t> MemoryService::DeleteSpace(const SpaceRef& space) {
  auto deleted = store_.DeleteSpace(space, clock_.NowMillis());
  {
    std::lock_guard lock(use_mu_);
    const std::string key = UseKey(space);
    last_use_.erase(key);
    unwritten_use_.erase(key);
  }
  AfterWrite();
  return deleted;
}

}  // namespace memoryd
