// The MCP tool table. Each tool is declared once, as data: its name, title, description (written
// for a language model), JSON Schemas for its input and output, its behaviour hints, whether it
// acts on one space, and the handler that parses, calls MemoryService and encodes. The registry
// turns the table into the tools/list answer, validates arguments against the input schema
// before a handler runs (tests/mcp checks the README's tool table against tools/list).
//
// Schemas are JSON text. A string value "@name" stands for the shared fragment `name` (see
// tool_fragments.cc), so common arguments such as `space` and the memory object are written once.
//
// Thread-safety: a built registry is immutable and may be shared by any threads.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "service/memory_service.h"
#include "transport/mcp/tool_args.h"

namespace memoryd::mcp {

namespace json = boost::json;

// What a handler gets: the validated arguments, and the space the call acts on (resolved from
// the `space` argument, else the default space, else the key's own space, else "default").
struct ToolContext {
  MemoryService& service;
  const Principal& principal;
  SpaceRef space;  // empty name for tools that do not act on one space
  const json::object& args;
};

// The structured result (becomes structuredContent and, serialised, the text content), or why
// the call failed (becomes a result with isError).
using ToolHandler = Result<json::object> (*)(ToolContext&);

enum class ToolScope {
  kSpace,    // acts on one space, resolved before the handler runs
  kAccount,  // acts on the account (e.g. lists spaces); no space is resolved
};

struct ToolSpec {
  const char* name;
  const char* title;
  const char* description;
  const char* input_schema;   // JSON text
  const char* output_schema;  // JSON text
  Access access;              // kRead tools are readOnlyHint and allowed for read-only keys
  bool destructive;           // destructiveHint: may delete or overwrite what is stored
  bool idempotent;            // idempotentHint: repeating the call changes nothing more
  ToolScope scope;
  ToolHandler handler;
};

struct Tool {
  ToolSpec spec;
  json::object input_schema;   // fragments expanded
  json::object output_schema;  // fragments expanded
};

class ToolRegistry {
 public:
  // kInternal naming the tool whose schema is not a JSON object or names an unknown fragment
  // (a programmer error, caught by the unit tests).
  static Result<std::unique_ptr<ToolRegistry>> Build(const std::vector<ToolSpec>& specs);
  // Every tool memoryd offers.
  static std::vector<ToolSpec> AllSpecs();

  // nullptr when there is no such tool.
  const Tool* Find(std::string_view name) const;
  const std::vector<Tool>& tools() const { return tools_; }
  // The "tools" array of a tools/list answer.
  const json::array& ListJson() const { return list_json_; }

 private:
  std::vector<Tool> tools_;
  json::array list_json_;
};

// The tool tables, by what they do: store and read (memory_tools.cc), change and remove
// (change_tools.cc), spaces and tags (space_tools.cc).
std::vector<ToolSpec> MemoryToolSpecs();
std::vector<ToolSpec> ChangeToolSpecs();
std::vector<ToolSpec> SpaceToolSpecs();

// One memory by its id (in any space the caller may read) or by its key in the call's space.
Result<Memory> LookUp(ToolContext& ctx, const MemoryAddress& address);
// The shared schema fragments, as a JSON object text: {"space": {...}, "memory": {...}, ...}.
const char* ToolSchemaFragments();

}  // namespace memoryd::mcp
