#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <limits>

namespace memoryd::metrics {
namespace {

TEST(ExpositionTest, FamilyWritesHelpAndType) {
  ExpositionWriter w;
  w.Family("memoryd_things_total", MetricType::kCounter, "Things.\nWith a \\ backslash");
  EXPECT_EQ(w.text(),
            "# HELP memoryd_things_total Things.\\nWith a \\\\ backslash\n"
            "# TYPE memoryd_things_total counter\n");
}

TEST(ExpositionTest, LabelValuesAreEscaped) {
  ExpositionWriter w;
  w.Sample("m", {{"a", "x\"y"}, {"b", "back\\slash"}, {"c", "new\nline"}}, uint64_t{3});
  EXPECT_EQ(w.text(), "m{a=\"x\\\"y\",b=\"back\\\\slash\",c=\"new\\nline\"} 3\n");
}

TEST(ExpositionTest, SampleWithoutLabelsHasNoBraces) {
  ExpositionWriter w;
  w.Sample("memoryd_spaces", {}, uint64_t{7});
  w.Sample("process_start_time_seconds", {}, 1767225600.25);
  EXPECT_EQ(w.text(), "memoryd_spaces 7\nprocess_start_time_seconds 1767225600.25\n");
}

TEST(ExpositionTest, SpecialValues) {
  std::string out;
  AppendSampleValue(out, std::numeric_limits<double>::infinity());
  out += ' ';
  AppendSampleValue(out, -std::numeric_limits<double>::infinity());
  out += ' ';
  AppendSampleValue(out, std::numeric_limits<double>::quiet_NaN());
  out += ' ';
  AppendSampleValue(out, 0.1);
  out += ' ';
  AppendSampleValue(out, 2.0);
  EXPECT_EQ(out, "+Inf -Inf NaN 0.1 2");
}

TEST(ExpositionTest, HistogramWritesCumulativeBucketsSumAndCount) {
  constexpr double kBounds[] = {0.001, 0.5};
  metrics::Histogram h(kBounds, 1e-9);
  h.Observe(0.0002);
  h.Observe(0.2);
  h.Observe(7);
  ExpositionWriter w;
  w.Histogram("d_seconds", {{"route", "/a"}}, h.Snapshot());
  EXPECT_EQ(w.text(),
            "d_seconds_bucket{route=\"/a\",le=\"0.001\"} 1\n"
            "d_seconds_bucket{route=\"/a\",le=\"0.5\"} 2\n"
            "d_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"
            "d_seconds_sum{route=\"/a\"} 7.2002\n"
            "d_seconds_count{route=\"/a\"} 3\n");
}

}  // namespace
}  // namespace memoryd::metrics
