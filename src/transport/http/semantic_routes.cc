// The spaces dialect (seed 000): add, search, recent memories, spaces, and memories by id. Each
// handler parses, calls the service and encodes, nothing more.
#include <cmath>

#include "codec/semantic_codec.h"
#include "transport/http/error_map.h"
#include "transport/http/json_response.h"
#include "transport/http/routes.h"

namespace memoryd::http {
namespace {

// The space named in the body, else by ?space= / X-Memory-Space, else the key's or "default".
Status ResolveBodySpace(RouteContext& ctx, const std::optional<std::string>& named, Access access) {
  std::string requested;
  if (named) {
    if (named->empty()) return Status::InvalidArgument("space name must not be empty");
    requested = *named;
  } else {
    MEMORYD_ASSIGN_OR_RETURN(requested, RequestedSpace(ctx.request));
  }
  MEMORYD_ASSIGN_OR_RETURN(ctx.space, ctx.service.ResolveSpace(ctx.principal, requested, access));
  return Status::Ok();
}

HttpResponse AddMemory(RouteContext& ctx) {
  auto object = codec::ParseObject(ctx.request.body);
  if (!object.ok()) return ErrorResponse(object.status());
  auto request = codec::ReadAddRequest(*object);
  if (!request.ok()) return ErrorResponse(request.status());
  if (Status s = ResolveBodySpace(ctx, request->space, Access::kWrite); !s.ok()) {
    return ErrorResponse(s);
  }
  auto added = ctx.service.Add(ctx.space, std::move(request->input), request->dedupe);
  if (!added.ok()) return ErrorResponse(added.status());
  json::object body = codec::SemanticMemoryJson(added->memory);
  if (added->duplicate) body["duplicate"] = true;
  return JsonResponse(added->created ? 201 : 200, body);
}

HttpResponse SearchMemories(RouteContext& ctx) {
  auto object = codec::ParseObject(ctx.request.body);
  if (!object.ok()) return ErrorResponse(object.status());
  auto request = codec::ReadSearchRequest(*object);
  if (!request.ok()) return ErrorResponse(request.status());
  if (Status s = ResolveBodySpace(ctx, request->space, Access::kRead); !s.ok()) {
    return ErrorResponse(s);
  }
  auto answer = ctx.service.Search(ctx.space, request->query);
  if (!answer.ok()) return ErrorResponse(answer.status());
  json::array memories;
  for (const auto& r : answer->results) memories.push_back(codec::SearchResultJson(r));
  json::object body{{"memories", std::move(memories)}};
  if (!answer->degraded.empty()) {
    body["degraded"] = true;
    body["degradedReason"] = answer->degraded;
  }
  return JsonResponse(200, body);
}

HttpResponse FetchMessages(RouteContext& ctx) {
  auto limit = IntegerParam(ctx.request, "limit", 20);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const std::string cursor(ctx.request.Query("cursor").value_or(""));
  auto page = ctx.service.Recent(ctx.space, *limit, cursor);
  if (!page.ok()) return ErrorResponse(page.status());
  json::array memories;
  for (const auto& m : page->memories) memories.push_back(codec::SemanticMemoryJson(m));
  json::value next = page->next_cursor ? json::value(*page->next_cursor) : json::value(nullptr);
  return JsonResponse(200, json::object{{"memories", std::move(memories)}, {"nextCursor", next}});
}

HttpResponse ListSpaces(RouteContext& ctx) {
  auto spaces = ctx.service.ListSpaces(ctx.principal);
  if (!spaces.ok()) return ErrorResponse(spaces.status());
  json::array out;
  for (const auto& s : *spaces) out.push_back(codec::SpaceJson(s));
  return JsonResponse(200, json::object{{"spaces", std::move(out)}});
}

HttpResponse DeleteSpace(RouteContext& ctx) {
  auto space = ctx.service.ResolveSpace(ctx.principal, ctx.PathParam("space"), Access::kWrite);
  if (!space.ok()) return ErrorResponse(space.status());
  auto deleted = ctx.service.DeleteSpace(*space);
  if (!deleted.ok()) return ErrorResponse(deleted.status());
  return JsonResponse(
      200, json::object{{"space", space->name}, {"deleted", true}, {"memoriesDeleted", *deleted}});
}

HttpResponse GetMemoryById(RouteContext& ctx) {
  auto memory = ctx.service.GetById(ctx.principal, ctx.PathParam("id"));
  if (!memory.ok()) return ErrorResponse(memory.status());
  return JsonResponse(200, codec::SemanticMemoryJson(*memory));
}

HttpResponse UpdateMemoryById(RouteContext& ctx) {
  auto object = codec::ParseObject(ctx.request.body);
  if (!object.ok()) return ErrorResponse(object.status());
  auto patch = codec::ReadMemoryPatch(*object);
  if (!patch.ok()) return ErrorResponse(patch.status());
  if (!patch->title && !patch->text && !patch->tags && !patch->metadata_json &&
      !patch->ttl_minutes && !patch->clear_expiry) {
    return ErrorResponse(Status::InvalidArgument(
        "nothing to change: send at least one of 'text', 'title', 'tags', 'metadata' or "
        "'ttlMinutes' (null removes the expiry)"));
  }
  auto memory = ctx.service.UpdateById(ctx.principal, ctx.PathParam("id"), std::move(*patch));
  if (!memory.ok()) return ErrorResponse(memory.status());
  return JsonResponse(200, codec::SemanticMemoryJson(*memory));
}

HttpResponse DeleteMemoryById(RouteContext& ctx) {
  const std::string id(ctx.PathParam("id"));
  Status s = ctx.service.DeleteById(ctx.principal, id);
  if (!s.ok()) return ErrorResponse(s);
  return JsonResponse(200, json::object{{"id", id}, {"deleted", true}});
}

}  // namespace

std::vector<Route> SemanticRoutes() {
  constexpr auto kH = SpaceSource::kHandler;
  constexpr auto kQ = SpaceSource::kQueryOrHeader;
  constexpr auto kN = SpaceSource::kNone;
  constexpr auto kR = Access::kRead;
  constexpr auto kW = Access::kWrite;
  return {
      {"POST", "/mcp/addMemory", true, kH, kW, true, AddMemory,
       "Store a memory (embedded and indexed at once)"},
      {"POST", "/mcp/search", true, kH, kR, true, SearchMemories,
       "Hybrid search: best matches with a 0..1 score"},
      {"GET", "/mcp/fetchMessages", true, kQ, kR, false, FetchMessages,
       "Memories of a space, newest first, with a cursor"},
      {"GET", "/spaces", true, kN, kR, false, ListSpaces, "Spaces with their memory counts"},
      {"DELETE", "/spaces/{space}", true, kH, kW, true, DeleteSpace,
       "Delete a space and all its memories"},
      {"GET", "/memories/{id}", true, kN, kR, false, GetMemoryById, "One memory by id"},
      {"PATCH", "/memories/{id}", true, kN, kW, true, UpdateMemoryById,
       "Change a memory's title, text, tags, metadata or TTL"},
      {"DELETE", "/memories/{id}", true, kN, kW, true, DeleteMemoryById, "Delete a memory by id"},
  };
}

}  // namespace memoryd::http
