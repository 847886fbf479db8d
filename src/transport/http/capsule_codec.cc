#include "transport/http/capsule_codec.h"

#include "codec/json_text.h"

namespace memoryd::http {
namespace {

constexpr size_t kPreviewChars = 100;
// Field names, timestamps, id and tags of a capsule memory take about this much room.
constexpr size_t kTextOverheadBytes = 256;

}  // namespace

Result<MemoryInput> ReadCapsuleMemory(const json::object& object) {
  codec::ObjectReader r(object);
  MEMORYD_RETURN_IF_ERROR(r.AllowOnly({"key", "value", "tags", "ttlMinutes", "title", "metadata"}));
  MemoryInput in;
  MEMORYD_ASSIGN_OR_RETURN(std::string key, r.RequiredString("key"));
  in.key = std::move(key);
  MEMORYD_ASSIGN_OR_RETURN(in.text, r.RequiredString("value"));
  MEMORYD_ASSIGN_OR_RETURN(in.tags, r.StringArray("tags"));
  MEMORYD_ASSIGN_OR_RETURN(in.ttl_minutes, r.OptionalNumber("ttlMinutes"));
  MEMORYD_ASSIGN_OR_RETURN(auto title, r.OptionalString("title"));
  in.title = title.value_or("");
  MEMORYD_ASSIGN_OR_RETURN(auto metadata, r.OptionalObjectText("metadata"));
  in.metadata_json = metadata.value_or("{}");
  return in;
}

Result<std::vector<std::string>> ReadStringList(std::string_view body, std::string_view field) {
  MEMORYD_ASSIGN_OR_RETURN(json::object object, codec::ParseObject(body));
  codec::ObjectReader r(object);
  MEMORYD_RETURN_IF_ERROR(r.AllowOnly({field}));
  const json::value* v = r.Find(field);
  if (v == nullptr || v->is_null()) {
    return Status::InvalidArgument("'" + std::string(field) + "' is required");
  }
  return r.StringArray(field);
}

std::string PublicKey(const Memory& memory) { return memory.key.value_or(memory.id); }

json::object CapsuleMemoryJson(const Memory& memory) {
  json::object out;
  out["key"] = PublicKey(memory);
  out["value"] = memory.text;
  out["tags"] = codec::StringsValue(memory.tags);
  out["expiresAt"] = codec::TimestampValue(memory.expires_at);
  out["createdAt"] = codec::TimestampValue(memory.created_at);
  out["updatedAt"] = codec::TimestampValue(memory.updated_at);
  out["id"] = memory.id;
  out["title"] = memory.title;
  out["metadata"] = codec::MetadataValue(memory.metadata_json);
  return out;
}

std::string CapsuleMemoryText(const Memory& memory) {
  std::string out;
  out.reserve(kTextOverheadBytes + memory.text.size() + memory.title.size() +
              memory.metadata_json.size());
  out.append(R"({"key":)");
  codec::AppendJsonString(out, PublicKey(memory));
  out.append(R"(,"value":)");
  codec::AppendJsonString(out, memory.text);
  out.append(R"(,"tags":)");
  codec::AppendJsonStrings(out, memory.tags);
  out.append(R"(,"expiresAt":)");
  codec::AppendJsonTimestamp(out, memory.expires_at);
  out.append(R"(,"createdAt":)");
  codec::AppendJsonTimestamp(out, memory.created_at);
  out.append(R"(,"updatedAt":)");
  codec::AppendJsonTimestamp(out, memory.updated_at);
  out.append(R"(,"id":)");
  codec::AppendJsonString(out, memory.id);
  out.append(R"(,"title":)");
  codec::AppendJsonString(out, memory.title);
  out.append(R"(,"metadata":)");
  codec::AppendJsonMetadata(out, memory.metadata_json);
  out.push_back('}');
  return out;
}

json::object PutOutcomeJson(const PutOutcome& outcome) {
  json::object out;
  out["key"] = PublicKey(outcome.memory);
  out["stored"] = true;
  out["tags"] = codec::StringsValue(outcome.memory.tags);
  out["expiresAt"] = codec::TimestampValue(outcome.memory.expires_at);
  out["isNew"] = outcome.created;
  out["id"] = outcome.memory.id;
  return out;
}

std::string BulkResultLine(std::string_view key, const BulkPutItemOutcome& item) {
  std::string line = "\"" + std::string(key) + "\": ";
  if (!item.outcome) return line + "error: " + item.error;
  const size_t tags = item.outcome->memory.tags.size();
  if (tags == 0) return line + "stored";
  return line + "stored with " + std::to_string(tags) + " tag(s)";
}

std::string Preview(std::string_view value) {
  size_t chars = 0;
  size_t i = 0;
  while (i < value.size() && chars < kPreviewChars) {
    const auto c = static_cast<unsigned char>(value[i]);
    i += c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    ++chars;
  }
  if (i >= value.size()) return std::string(value);
  return std::string(value.substr(0, i)) + "...";
}

}  // namespace memoryd::http
