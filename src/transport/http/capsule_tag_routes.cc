// The capsule dialect's tags and summary (seed 004).
#include "transport/http/capsule_codec.h"
#include "transport/http/error_map.h"
#include "transport/http/json_response.h"
#include "transport/http/routes.h"

namespace memoryd::http {
namespace {

HttpResponse ListTags(RouteContext& ctx) {
  auto tags = ctx.service.ListTags(ctx.space);
  if (!tags.ok()) return ErrorResponse(tags.status());
  return JsonResponse(200, json::object{{"tags", codec::StringsValue(*tags)}});
}

HttpResponse CreateTag(RouteContext& ctx) {
  auto object = codec::ParseObject(ctx.request.body);
  if (!object.ok()) return ErrorResponse(object.status());
  codec::ObjectReader reader(*object);
  if (Status s = reader.AllowOnly({"name"}); !s.ok()) return ErrorResponse(s);
  auto name = reader.RequiredString("name");
  if (!name.ok()) return ErrorResponse(name.status());
  auto created = ctx.service.CreateTag(ctx.space, *name);
  if (!created.ok()) return ErrorResponse(created.status());
  return JsonResponse(*created ? 201 : 200, json::object{{"name", *name}, {"created", *created}});
}

HttpResponse DeleteTag(RouteContext& ctx) {
  auto name = ctx.request.Query("name");
  if (!name) return ErrorResponse(Status::InvalidArgument("query parameter 'name' is required"));
  Status s = ctx.service.DeleteTag(ctx.space, *name);
  if (!s.ok()) return ErrorResponse(s);
  return JsonResponse(200, json::object{{"name", *name}, {"deleted", true}});
}

HttpResponse KeysByTag(RouteContext& ctx) {
  auto tag = ctx.request.Query("tag");
  if (!tag) return ErrorResponse(Status::InvalidArgument("query parameter 'tag' is required"));
  auto keys = ctx.service.KeysWithTags(ctx.space, {std::string(*tag)});
  if (!keys.ok()) return ErrorResponse(keys.status());
  return JsonResponse(200, json::object{{"keys", codec::StringsValue(*keys)}});
}

HttpResponse KeysByAllTags(RouteContext& ctx) {
  auto tags = ReadStringList(ctx.request.body, "tags");
  if (!tags.ok()) return ErrorResponse(tags.status());
  auto keys = ctx.service.KeysWithTags(ctx.space, std::move(tags).value());
  if (!keys.ok()) return ErrorResponse(keys.status());
  return JsonResponse(200, json::object{{"keys", codec::StringsValue(*keys)}});
}

HttpResponse CapsuleSummary(RouteContext& ctx) {
  auto summary = ctx.service.Summary(ctx.space);
  if (!summary.ok()) return ErrorResponse(summary.status());
  const SpaceSummary& s = *summary;
  return JsonResponse(200, json::object{{"name", s.info.name},
                                        {"description", s.info.description},
                                        {"memoryCount", s.info.memory_count},
                                        {"memoryLimit", s.memory_limit},
                                        {"tagCount", s.info.tag_count},
                                        {"tagLimit", s.tag_limit},
                                        {"lastUsed", codec::TimestampValue(s.last_used)}});
}

json::object ChannelJson(const ChannelHealth& c) {
  json::object out{{"state", ConditionName(c.condition)}, {"paused", c.paused}};
  if (c.condition != EmbedderCondition::kOk) {
    out["since"] = codec::TimestampValue(c.since_ms);
    out["failures"] = c.failures;
  }
  if (!c.last_error.empty()) out["lastError"] = c.last_error;
  return out;
}

// 200 while the process can serve. "degraded" (with the reason) whenever the embedder is not
// healthy: searches then match by words, and new memories wait for their vectors.
HttpResponse Health(RouteContext& ctx) {
  json::object body{{"status", "ok"}};
  std::string reason;
  const std::string loading = ctx.service.IndexesLoading();
  if (!loading.empty()) reason = loading + "; searches match by words until they are ready";
  if (auto health = ctx.service.GetEmbedderHealth()) {
    body["indexes"] = loading.empty() ? "ready" : "loading";
    if (!health->ok()) {
      if (!reason.empty()) reason += "; ";
      reason +=
          "embedder " + std::string(ConditionName(health->condition())) + ": " + health->Reason();
    }
    body["embedder"] = json::object{{"name", health->name},
                                    {"state", ConditionName(health->condition())},
                                    {"dimension", health->dimension},
                                    {"pendingEmbeddings", health->pending},
                                    {"searches", ChannelJson(health->searches)},
                                    {"embedding", ChannelJson(health->writes)}};
  }
  if (const Status store = ctx.service.CheckStore(); !store.ok()) {
    // Nothing can be read or written: a load balancer should send requests elsewhere.
    body["status"] = "unavailable";
    // Open to anyone: the database's own error (host, user, database) stays out of it.
    body["reason"] = std::string(store.code() == StatusCode::kUnavailable
                                     ? "the store's database cannot be reached"
                                     : "the store fails") +
                     (reason.empty() ? "" : "; " + reason);
    return JsonResponse(503, body);
  }
  if (!reason.empty()) {
    body["status"] = "degraded";
    body["reason"] = std::move(reason);
  }
  return JsonResponse(200, body);
}

}  // namespace

std::vector<Route> CapsuleTagRoutes() {
  constexpr auto kQ = SpaceSource::kQueryOrHeader;
  constexpr auto kR = Access::kRead;
  constexpr auto kW = Access::kWrite;
  return {
      {"GET", "/api/rest/tags", true, kQ, kR, false, ListTags, "List all tags"},
      {"POST", "/api/rest/tags", true, kQ, kW, true, CreateTag, "Create a tag"},
      {"DELETE", "/api/rest/tags", true, kQ, kW, true, DeleteTag,
       "Delete a tag and unlink it from all memories"},
      {"GET", "/api/rest/tags/memories", true, kQ, kR, false, KeysByTag,
       "List memory keys with a tag"},
      {"POST", "/api/rest/tags/memories", true, kQ, kR, false, KeysByAllTags,
       "List memory keys with all given tags"},
      {"GET", "/api/rest/capsule", true, kQ, kR, false, CapsuleSummary,
       "Summary of the capsule: usage and limits"},
  };
}

std::vector<Route> SystemRoutes() {
  return {
      {"GET", "/healthz", false, SpaceSource::kNone, Access::kRead, false, Health,
       "Liveness: 200 when serving"},
  };
}

}  // namespace memoryd::http
