// ExpositionWriter: writes metric families in the Prometheus text exposition format 0.0.4.
//
// Each family is introduced once with its HELP and TYPE lines, then its samples follow. Label
// values are escaped as the format requires (backslash, double quote and newline), and so is
// HELP text (backslash and newline). Numbers are written as the shortest text that reads back
// the same value; infinities as +Inf/-Inf and NaN as NaN.
//
// Thread-safety: one writer per thread; it only appends to its own string.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "metrics/histogram.h"

namespace memoryd::metrics {

// The Content-Type of an answer in this format.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { kCounter, kGauge, kHistogram };

using Label = std::pair<std::string_view, std::string_view>;
using Labels = std::initializer_list<Label>;

class ExpositionWriter {
 public:
  // Starts a family: `# HELP name help` and `# TYPE name type`.
  void Family(std::string_view name, MetricType type, std::string_view help);
  // One sample: `name{labels} value`.
  void Sample(std::string_view name, Labels labels, double value);
  void Sample(std::string_view name, Labels labels, uint64_t value);
  // The `_bucket`, `_sum` and `_count` samples of one histogram series; `labels` are the
  // series' own (the `le` label is added).
  void Histogram(std::string_view name, Labels labels, const HistogramSnapshot& snapshot);

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void AppendName(std::string_view name, std::string_view suffix, Labels labels,
                  const Label* extra = nullptr);

  std::string out_;
};

// Appends `value` as a label value must be written between its quotes.
void AppendEscapedLabelValue(std::string& out, std::string_view value);
// Appends a sample value: the shortest round-tripping text, +Inf, -Inf or NaN.
void AppendSampleValue(std::string& out, double value);

}  // namespace memoryd::metrics
