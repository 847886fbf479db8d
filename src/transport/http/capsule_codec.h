// JSON shapes of the capsule dialect (seed 004): reading a memory from a request object, and
// writing memories, tags and outcomes as the seed shows them.
#pragma once

#include "service/memory_service.h"
#include "transport/http/json_response.h"

namespace memoryd::http {

// A keyed memory from {key, value, tags?, ttlMinutes?, title?, metadata?}.
Result<MemoryInput> ReadCapsuleMemory(const json::object& object);
// A list of strings under `field` in a JSON object body; kInvalidArgument if missing/mistyped.
Result<std::vector<std::string>> ReadStringList(std::string_view body, std::string_view field);

// The public key of a memory: its key, or its id for a memory stored without a key.
std::string PublicKey(const Memory& memory);
json::object CapsuleMemoryJson(const Memory& memory);
// The same memory written straight as JSON text (no DOM): serialize(CapsuleMemoryJson(m)).
std::string CapsuleMemoryText(const Memory& memory);
json::object PutOutcomeJson(const PutOutcome& outcome);
// The seed's one-line result of a bulk-set item, e.g. "\"k1\": stored with 1 tag(s)".
std::string BulkResultLine(std::string_view key, const BulkPutItemOutcome& item);
// The seed's search preview: the value cut to 100 characters, with "..." when cut.
std::string Preview(std::string_view value);

}  // namespace memoryd::http
