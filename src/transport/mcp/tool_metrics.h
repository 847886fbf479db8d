// ToolMetrics: McpServer's ToolCallObserver for Prometheus: memoryd_mcp_tool_calls_total, by
// tool and outcome ("ok" or "error"). Tools are the registry's; a call naming no tool of the
// registry counts under tool="unknown", so a client cannot add label values. Counting is a
// relaxed atomic add into a slot found from the tool's place in the registry.
//
// Thread-safety: OnToolCall and Write may be called from any thread.
#pragma once

#include <memory>

#include "metrics/counter.h"
#include "metrics/exposition.h"
#include "transport/mcp/mcp_server.h"

namespace memoryd::mcp {

class ToolMetrics final : public ToolCallObserver {
 public:
  // `registry` must be the one whose tools the server reports, and outlive this.
  explicit ToolMetrics(const ToolRegistry& registry);

  void OnToolCall(const Tool* tool, bool ok) override;
  // The family, with every tool's series (zero included, so a dashboard sees every tool).
  void Write(metrics::ExpositionWriter& out) const;

 private:
  size_t Slot(const Tool* tool) const;

  const ToolRegistry& registry_;
  std::unique_ptr<metrics::Counter[]> calls_;  // [tool slot][ok, error]; last slot: unknown
};

}  // namespace memoryd::mcp
