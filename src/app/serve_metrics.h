// ServeMetrics: what `memoryd serve` shows at GET /metrics. It is the store's WriteBatchObserver
// (batch sizes and commit times) and, at each scrape, reads the other counters (HTTP requests,
// MCP tool calls, refusals) and computes the gauges (memories and spaces, pending embeddings,
// the embedder's state, how far the search indexes are behind the store) from cheap reads.
//
// Thread-safety: OnBatch and Render may be called from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "app/stack.h"
#include "metrics/exposition.h"
#include "metrics/histogram.h"
#include "store/write_batch_observer.h"
#include "transport/http/auth_failures.h"
#include "transport/http/request_metrics.h"
#include "transport/mcp/tool_metrics.h"

namespace memoryd {

// What a scrape reads besides ServeMetrics' own histograms; each must outlive the scrapes.
struct ScrapeSources {
  Stack& stack;
  const http::RequestMetrics& requests;
  const mcp::ToolMetrics& tools;
  const http::AuthFailures& auth_failures;
};

class ServeMetrics final : public WriteBatchObserver {
 public:
  // `start_seconds`: when the process started (Unix time).
  explicit ServeMetrics(double start_seconds);

  void OnBatch(size_t writes, std::chrono::nanoseconds elapsed) override;
  // The whole exposition text.
  std::string Render(const ScrapeSources& sources) const;

 private:
  void WriteProcess(metrics::ExpositionWriter& out) const;
  void WriteStore(metrics::ExpositionWriter& out, Stack& stack) const;
  static void WriteEmbedder(metrics::ExpositionWriter& out, Stack& stack);

  const double start_seconds_;
  metrics::Histogram batch_sizes_;
  metrics::Histogram commit_seconds_;
};

}  // namespace memoryd
