#include "codec/semantic_codec.h"

#include "codec/json_text.h"
#include "core/time_format.h"

namespace memoryd::codec {
namespace {

Result<std::optional<int64_t>> OptionalTime(const ObjectReader& r, std::string_view name) {
  const json::value* v = r.Find(name);
  if (v == nullptr || v->is_null()) return std::optional<int64_t>();
  const Status bad = Status::InvalidArgument(
      "'" + std::string(name) + "' must be an ISO-8601 time such as 2026-05-11T12:00:00.000Z");
  if (!v->is_string()) return bad;
  auto millis = ParseIsoMillis(v->get_string());
  if (!millis) return bad;
  return std::optional<int64_t>(*millis);
}

Result<std::vector<MetadataMatch>> MetadataMatches(const ObjectReader& r) {
  std::vector<MetadataMatch> out;
  const json::value* v = r.Find("metadata");
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_object()) return Status::InvalidArgument("'metadata' must be an object");
  MEMORYD_RETURN_IF_ERROR(RequireFiniteNumbers(*v, "'metadata'"));
  for (const auto& [key, value] : v->get_object()) {
    out.push_back({std::string(key), SerializeJson(value)});
  }
  return out;
}

}  // namespace

Result<AddRequest> ReadAddRequest(const json::object& object) {
  ObjectReader r(object);
  MEMORYD_RETURN_IF_ERROR(
      r.AllowOnly({"space", "title", "text", "metadata", "tags", "key", "ttlMinutes", "dedupe"}));
  AddRequest out;
  MEMORYD_ASSIGN_OR_RETURN(out.space, r.OptionalString("space"));
  MEMORYD_ASSIGN_OR_RETURN(out.input.text, r.RequiredString("text"));
  MEMORYD_ASSIGN_OR_RETURN(auto title, r.OptionalString("title"));
  out.input.title = title.value_or("");
  MEMORYD_ASSIGN_OR_RETURN(auto metadata, r.OptionalObjectText("metadata"));
  out.input.metadata_json = metadata.value_or("{}");
  MEMORYD_ASSIGN_OR_RETURN(out.input.tags, r.StringArray("tags"));
  MEMORYD_ASSIGN_OR_RETURN(out.input.key, r.OptionalString("key"));
  MEMORYD_ASSIGN_OR_RETURN(out.input.ttl_minutes, r.OptionalNumber("ttlMinutes"));
  MEMORYD_ASSIGN_OR_RETURN(auto dedupe, r.OptionalBool("dedupe"));
  out.dedupe = dedupe.value_or(false);
  return out;
}

Result<SearchRequest> ReadSearchRequest(const json::object& object) {
  ObjectReader r(object);
  MEMORYD_RETURN_IF_ERROR(r.AllowOnly({"space", "q", "top_k", "min_score", "tags", "tags_all",
                                       "metadata", "created_after", "created_before", "explain"}));
  SearchRequest out;
  MEMORYD_ASSIGN_OR_RETURN(out.space, r.OptionalString("space"));
  MEMORYD_ASSIGN_OR_RETURN(out.query.text, r.RequiredString("q"));
  MEMORYD_ASSIGN_OR_RETURN(auto top_k, r.OptionalInteger("top_k"));
  out.query.top_k = top_k.value_or(10);
  MEMORYD_ASSIGN_OR_RETURN(auto min_score, r.OptionalNumber("min_score"));
  out.query.min_score = min_score.value_or(0);
  MEMORYD_ASSIGN_OR_RETURN(auto explain, r.OptionalBool("explain"));
  out.query.explain = explain.value_or(false);
  SearchFilter& f = out.query.filter;
  MEMORYD_ASSIGN_OR_RETURN(f.tags_any, r.StringArray("tags"));
  MEMORYD_ASSIGN_OR_RETURN(f.tags_all, r.StringArray("tags_all"));
  MEMORYD_ASSIGN_OR_RETURN(f.metadata, MetadataMatches(r));
  MEMORYD_ASSIGN_OR_RETURN(f.created_after, OptionalTime(r, "created_after"));
  MEMORYD_ASSIGN_OR_RETURN(f.created_before, OptionalTime(r, "created_before"));
  return out;
}

Result<MemoryPatch> ReadMemoryPatch(const json::object& object) {
  ObjectReader r(object);
  MEMORYD_RETURN_IF_ERROR(r.AllowOnly({"title", "text", "tags", "metadata", "ttlMinutes"}));
  // Absent fields stay as they are; null clears title, tags, metadata and the expiry. A memory
  // cannot be without text.
  const auto is_null = [&](std::string_view name) {
    const json::value* v = r.Find(name);
    return v != nullptr && v->is_null();
  };
  MemoryPatch patch;
  if (is_null("text")) return Status::InvalidArgument("'text' must be a non-empty string");
  MEMORYD_ASSIGN_OR_RETURN(patch.text, r.OptionalString("text"));
  MEMORYD_ASSIGN_OR_RETURN(patch.title, r.OptionalString("title"));
  if (is_null("title")) patch.title = "";
  if (r.Find("tags") != nullptr) {
    MEMORYD_ASSIGN_OR_RETURN(auto list, r.StringArray("tags"));
    patch.tags = std::move(list);
  }
  MEMORYD_ASSIGN_OR_RETURN(patch.metadata_json, r.OptionalObjectText("metadata"));
  if (is_null("metadata")) patch.metadata_json = "{}";
  MEMORYD_ASSIGN_OR_RETURN(patch.ttl_minutes, r.OptionalNumber("ttlMinutes"));
  patch.clear_expiry = is_null("ttlMinutes");
  return patch;
}

json::object SemanticMemoryJson(const Memory& memory) {
  json::object out;
  out["id"] = memory.id;
  out["space"] = memory.space;
  out["key"] = memory.key ? json::value(*memory.key) : json::value(nullptr);
  out["title"] = memory.title;
  out["text"] = memory.text;
  out["metadata"] = MetadataValue(memory.metadata_json);
  out["tags"] = StringsValue(memory.tags);
  out["createdAt"] = TimestampValue(memory.created_at);
  out["updatedAt"] = TimestampValue(memory.updated_at);
  out["expiresAt"] = TimestampValue(memory.expires_at);
  return out;
}

namespace {

// Three decimals are all a score means; it keeps responses short and stable.
double Rounded(double value) { return std::round(value * 1000.0) / 1000.0; }

json::object ExplanationJson(const Explanation& e) {
  json::array terms;
  for (const MatchedTerm& t : e.terms) {
    terms.push_back(json::object{{"query", t.query_word}, {"memory", t.memory_word}});
  }
  json::array concepts;
  for (const MatchedConcept& c : e.concepts) {
    concepts.push_back(json::object{{"concept", c.concept_name},
                                    {"query", c.query_word},
                                    {"queryLink", c.query_link},
                                    {"memory", c.memory_word},
                                    {"memoryLink", c.memory_link},
                                    {"weight", Rounded(c.weight)}});
  }
  return json::object{{"keyword", Rounded(e.keyword)},
                      {"vector", Rounded(e.vector)},
                      {"fusion", json::object{{"keywordWeight", Rounded(e.keyword_weight)},
                                              {"vectorWeight", Rounded(1.0 - e.keyword_weight)},
                                              {"cosineFloor", Rounded(e.cosine_floor)}}},
                      {"terms", std::move(terms)},
                      {"concepts", std::move(concepts)}};
}

}  // namespace

json::object SearchResultJson(const SearchResult& result) {
  json::object out = SemanticMemoryJson(result.memory);
  out["score"] = Rounded(result.score);
  if (result.explanation) out["explain"] = ExplanationJson(*result.explanation);
  return out;
}

json::object SpaceJson(const SpaceInfo& space) {
  return json::object{{"name", space.name},
                      {"count", space.memory_count},
                      {"createdAt", TimestampValue(space.created_at)},
                      {"lastUsed", TimestampValue(space.last_used)}};
}

}  // namespace memoryd::codec
