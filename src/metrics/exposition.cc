#include "metrics/exposition.h"

#include <charconv>
#include <cmath>

namespace memoryd::metrics {
namespace {

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escapes only backslash and newline (a quote is literal there).
void AppendEscapedHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void AppendUnsigned(std::string& out, uint64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

}  // namespace

void AppendEscapedLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void AppendSampleValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char digits[32];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
    out.append(digits, end);
  }
}

void ExpositionWriter::Family(std::string_view name, MetricType type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ");
  AppendEscapedHelp(out_, help);
  out_.append("\n# TYPE ").append(name).append(" ").append(TypeName(type)).append("\n");
}

void ExpositionWriter::AppendName(std::string_view name, std::string_view suffix, Labels labels,
                                  const Label* extra) {
  out_.append(name).append(suffix);
  if (labels.size() == 0 && extra == nullptr) return;
  out_ += '{';
  bool first = true;
  auto append = [&](const Label& label) {
    if (!first) out_ += ',';
    first = false;
    out_.append(label.first).append("=\"");
    AppendEscapedLabelValue(out_, label.second);
    out_ += '"';
  };
  for (const Label& label : labels) append(label);
  if (extra != nullptr) append(*extra);
  out_ += '}';
}

void ExpositionWriter::Sample(std::string_view name, Labels labels, double value) {
  AppendName(name, "", labels);
  out_ += ' ';
  AppendSampleValue(out_, value);
  out_ += '\n';
}

void ExpositionWriter::Sample(std::string_view name, Labels labels, uint64_t value) {
  AppendName(name, "", labels);
  out_ += ' ';
  AppendUnsigned(out_, value);
  out_ += '\n';
}

void ExpositionWriter::Histogram(std::string_view name, Labels labels,
                                 const HistogramSnapshot& snapshot) {
  std::string le;
  for (size_t i = 0; i < snapshot.cumulative.size(); ++i) {
    le.clear();
    if (i < snapshot.bounds.size()) {
      AppendSampleValue(le, snapshot.bounds[i]);
    } else {
      le = "+Inf";
    }
    const Label bound{"le", le};
    AppendName(name, "_bucket", labels, &bound);
    out_ += ' ';
    AppendUnsigned(out_, snapshot.cumulative[i]);
    out_ += '\n';
  }
  AppendName(name, "_sum", labels);
  out_ += ' ';
  AppendSampleValue(out_, snapshot.sum);
  out_ += '\n';
  AppendName(name, "_count", labels);
  out_ += ' ';
  AppendUnsigned(out_, snapshot.count());
  out_ += '\n';
}

}  // namespace memoryd::metrics
