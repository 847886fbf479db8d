#include "transport/mcp/tool_metrics.h"

#include <functional>

namespace memoryd::mcp {
namespace {

constexpr std::string_view kOutcomes[] = {"ok", "error"};
constexpr size_t kOutcomeCount = std::size(kOutcomes);

}  // namespace

ToolMetrics::ToolMetrics(const ToolRegistry& registry)
    : registry_(registry),
      calls_(std::make_unique<metrics::Counter[]>((registry.tools().size() + 1) * kOutcomeCount)) {}

size_t ToolMetrics::Slot(const Tool* tool) const {
  const std::vector<Tool>& tools = registry_.tools();
  // std::less: a total order even for a pointer that is not into the registry's array.
  const std::less<const Tool*> before;
  const Tool* begin = tools.data();
  const Tool* end = begin + tools.size();
  if (tool == nullptr || before(tool, begin) || !before(tool, end)) return tools.size();
  return static_cast<size_t>(tool - begin);
}

void ToolMetrics::OnToolCall(const Tool* tool, bool ok) {
  calls_[Slot(tool) * kOutcomeCount + (ok ? 0 : 1)].Add();
}

void ToolMetrics::Write(metrics::ExpositionWriter& out) const {
  out.Family("memoryd_mcp_tool_calls_total", metrics::MetricType::kCounter,
             "MCP tool calls, by tool and outcome (error: a JSON-RPC error or an isError result; "
             "tool=\"unknown\": a name that is no tool).");
  const std::vector<Tool>& tools = registry_.tools();
  for (size_t slot = 0; slot <= tools.size(); ++slot) {
    const std::string_view name = slot < tools.size() ? tools[slot].spec.name : "unknown";
    for (size_t o = 0; o < kOutcomeCount; ++o) {
      out.Sample("memoryd_mcp_tool_calls_total", {{"tool", name}, {"outcome", kOutcomes[o]}},
                 calls_[slot * kOutcomeCount + o].Value());
    }
  }
}

}  // namespace memoryd::mcp
