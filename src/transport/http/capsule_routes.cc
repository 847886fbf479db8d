// The capsule dialect (seed 004) under /api/rest: each handler parses, calls the service and
// encodes, nothing more.
#include "transport/http/capsule_codec.h"
#include "transport/http/error_map.h"
#include "transport/http/json_response.h"
#include "transport/http/routes.h"

namespace memoryd::http {
namespace {

Result<std::string> RequiredQuery(const HttpRequest& request, std::string_view name) {
  auto value = request.Query(name);
  if (!value) {
    return Status::InvalidArgument("query parameter '" + std::string(name) + "' is required");
  }
  return std::string(*value);
}

// Turns a Result into the answer: the encoded value, or the mapped error.
template <typename T, typename Encode>
HttpResponse Answer(Result<T> result, Encode&& encode, int status = 200) {
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(status, encode(*result));
}

HttpResponse PutMemory(RouteContext& ctx) {
  auto object = codec::ParseObject(ctx.request.body);
  if (!object.ok()) return ErrorResponse(object.status());
  auto input = ReadCapsuleMemory(*object);
  if (!input.ok()) return ErrorResponse(input.status());
  auto outcome = ctx.service.Put(ctx.space, std::move(input).value());
  if (!outcome.ok()) return ErrorResponse(outcome.status());
  return JsonResponse(outcome->created ? 201 : 200, PutOutcomeJson(*outcome));
}

HttpResponse GetMemory(RouteContext& ctx) {
  auto key = RequiredQuery(ctx.request, "key");
  if (!key.ok()) return ErrorResponse(key.status());
  auto memory = ctx.service.Get(ctx.space, *key);
  if (!memory.ok()) return ErrorResponse(memory.status());
  return JsonTextResponse(200, CapsuleMemoryText(*memory));
}

HttpResponse DeleteMemory(RouteContext& ctx) {
  auto key = RequiredQuery(ctx.request, "key");
  if (!key.ok()) return ErrorResponse(key.status());
  Status s = ctx.service.Delete(ctx.space, *key);
  if (!s.ok()) return ErrorResponse(s);
  return JsonResponse(200, json::object{{"key", *key}, {"deleted", true}});
}

HttpResponse SearchMemories(RouteContext& ctx, std::string_view q) {
  auto limit = IntegerParam(ctx.request, "limit", 20);
  if (!limit.ok()) return ErrorResponse(limit.status());
  return Answer(ctx.service.FindSubstring(ctx.space, q, *limit), [](const auto& found) {
    json::array results;
    for (const Memory& m : found) {
      results.push_back(json::object{{"key", PublicKey(m)}, {"preview", Preview(m.text)}});
    }
    const auto count = static_cast<int64_t>(results.size());
    return json::object{{"results", std::move(results)}, {"count", count}};
  });
}

HttpResponse ListMemories(RouteContext& ctx) {
  if (auto q = ctx.request.Query("q")) return SearchMemories(ctx, *q);
  auto page = IntegerParam(ctx.request, "page", 1);
  if (!page.ok()) return ErrorResponse(page.status());
  auto page_size = IntegerParam(ctx.request, "pageSize", 50);
  if (!page_size.ok()) return ErrorResponse(page_size.status());
  return Answer(ctx.service.ListKeys(ctx.space, *page, *page_size), [&](const KeyPage& p) {
    json::array keys;
    for (const auto& k : p.keys) {
      keys.push_back(
          json::object{{"key", k.key}, {"updatedAt", codec::TimestampValue(k.updated_at)}});
    }
    const int64_t pages = (p.total + *page_size - 1) / *page_size;
    return json::object{{"keys", std::move(keys)},
                        {"page", *page},
                        {"pageSize", *page_size},
                        {"totalCount", p.total},
                        {"totalPages", pages}};
  });
}

HttpResponse ListKeys(RouteContext& ctx) {
  return Answer(ctx.service.AllKeys(ctx.space), [](const auto& keys) {
    return json::object{{"keys", codec::StringsValue(keys)}};
  });
}

HttpResponse CountMemories(RouteContext& ctx) {
  const int64_t limit = ctx.service.options().max_memories_per_space;
  return Answer(ctx.service.Count(ctx.space), [&](int64_t count) {
    return json::object{{"count", count}, {"limit", limit}};
  });
}

HttpResponse MemoryExists(RouteContext& ctx) {
  auto key = RequiredQuery(ctx.request, "key");
  if (!key.ok()) return ErrorResponse(key.status());
  return Answer(ctx.service.Exists(ctx.space, *key), [&](bool exists) {
    return json::object{{"key", *key}, {"exists", exists}};
  });
}

HttpResponse ClearMemories(RouteContext& ctx) {
  return Answer(ctx.service.Clear(ctx.space), [](int64_t n) {
    return json::object{{"cleared", true}, {"deletedCount", n}};
  });
}

HttpResponse BulkSet(RouteContext& ctx) {
  auto object = codec::ParseObject(ctx.request.body);
  if (!object.ok()) return ErrorResponse(object.status());
  codec::ObjectReader reader(*object);
  if (Status s = reader.AllowOnly({"items"}); !s.ok()) return ErrorResponse(s);
  const json::value* items = reader.Find("items");
  if (items == nullptr || !items->is_array()) {
    return ErrorResponse(Status::InvalidArgument("'items' must be an array of memories"));
  }
  std::vector<BulkItem> parsed;
  std::vector<std::string> labels;
  for (const auto& item : items->get_array()) {
    const json::object* obj = item.if_object();
    const json::value* key = obj != nullptr ? obj->if_contains("key") : nullptr;
    labels.push_back(key != nullptr && key->is_string() ? std::string(key->get_string())
                                                        : "item " + std::to_string(labels.size()));
    BulkItem bulk;
    auto input = obj != nullptr ? ReadCapsuleMemory(*obj)
                                : Result<MemoryInput>(Status::InvalidArgument("not an object"));
    if (input.ok()) {
      bulk.input = std::move(input).value();
    } else {
      bulk.error = input.status().message();
    }
    parsed.push_back(std::move(bulk));
  }
  return Answer(ctx.service.BulkPut(ctx.space, std::move(parsed)), [&](const auto& outcomes) {
    json::array results;
    int64_t stored = 0;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      stored += outcomes[i].outcome ? 1 : 0;
      results.emplace_back(BulkResultLine(labels[i], outcomes[i]));
    }
    const auto errors = static_cast<int64_t>(outcomes.size()) - stored;
    return json::object{
        {"storedCount", stored}, {"errorCount", errors}, {"results", std::move(results)}};
  });
}

HttpResponse BulkGet(RouteContext& ctx) {
  auto keys = ReadStringList(ctx.request.body, "keys");
  if (!keys.ok()) return ErrorResponse(keys.status());
  return Answer(ctx.service.BulkGet(ctx.space, *keys), [&](const auto& found) {
    json::array items;
    int64_t hits = 0;
    for (size_t i = 0; i < found.size(); ++i) {
      json::object item{{"key", (*keys)[i]}, {"found", found[i].has_value()}};
      if (found[i]) {
        ++hits;
        item["value"] = found[i]->text;
        item["tags"] = codec::StringsValue(found[i]->tags);
      }
      items.push_back(std::move(item));
    }
    const auto misses = static_cast<int64_t>(found.size()) - hits;
    return json::object{
        {"items", std::move(items)}, {"foundCount", hits}, {"missingCount", misses}};
  });
}

HttpResponse BulkDelete(RouteContext& ctx) {
  auto keys = ReadStringList(ctx.request.body, "keys");
  if (!keys.ok()) return ErrorResponse(keys.status());
  return Answer(ctx.service.BulkDelete(ctx.space, *keys), [&](const std::vector<bool>& deleted) {
    json::array results;
    int64_t n = 0;
    for (size_t i = 0; i < deleted.size(); ++i) {
      n += deleted[i] ? 1 : 0;
      results.push_back(
          json::object{{"key", (*keys)[i]}, {"deleted", static_cast<bool>(deleted[i])}});
    }
    const auto missing = static_cast<int64_t>(deleted.size()) - n;
    return json::object{
        {"deletedCount", n}, {"missingCount", missing}, {"results", std::move(results)}};
  });
}

}  // namespace

std::vector<Route> CapsuleRoutes() {
  constexpr auto kQ = SpaceSource::kQueryOrHeader;
  constexpr auto kR = Access::kRead;
  constexpr auto kW = Access::kWrite;
  std::vector<Route> routes = {
      {"PUT", "/api/rest/memory", true, kQ, kW, true, PutMemory, "Store or update a memory"},
      {"GET", "/api/rest/memory", true, kQ, kR, false, GetMemory, "Retrieve a memory by key"},
      {"DELETE", "/api/rest/memory", true, kQ, kW, true, DeleteMemory, "Delete a memory by key"},
      {"GET", "/api/rest/memories", true, kQ, kR, true, ListMemories,
       "List memories (page, pageSize) or search them (q, limit)"},
      {"DELETE", "/api/rest/memories", true, kQ, kW, true, ClearMemories, "Delete all memories"},
      {"GET", "/api/rest/memories/keys", true, kQ, kR, true, ListKeys, "List key names"},
      {"GET", "/api/rest/memories/count", true, kQ, kR, false, CountMemories,
       "Count memories and show the limit"},
      {"GET", "/api/rest/memories/exists", true, kQ, kR, false, MemoryExists,
       "Check whether a key exists"},
      {"POST", "/api/rest/memories/bulk/set", true, kQ, kW, true, BulkSet,
       "Store up to 20 memories"},
      {"POST", "/api/rest/memories/bulk/get", true, kQ, kR, false, BulkGet,
       "Retrieve up to 50 memories by key"},
      {"POST", "/api/rest/memories/bulk/delete", true, kQ, kW, true, BulkDelete,
       "Delete up to 50 memories by key"},
  };
  for (Route& route : CapsuleTagRoutes()) routes.push_back(route);
  return routes;
}

}  // namespace memoryd::http
