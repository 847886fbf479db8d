// The REST route tables. Each table lists its routes once; the Router drives validation order,
// dispatch and the 404/405 answers from them, and docs are written from the same tables.
#pragma once

#include <vector>

#include "transport/http/router.h"

namespace memoryd::http {

// GET /healthz and other operator routes.
std::vector<Route> SystemRoutes();
// The capsule dialect (seed 004) under /api/rest.
std::vector<Route> CapsuleRoutes();
// The spaces dialect (seed 000): /mcp/addMemory, /mcp/search, /mcp/fetchMessages, /spaces and
// /memories/{id}.
std::vector<Route> SemanticRoutes();
// The tag and capsule-summary part of the capsule dialect (included in CapsuleRoutes).
std::vector<Route> CapsuleTagRoutes();

}  // namespace memoryd::http
