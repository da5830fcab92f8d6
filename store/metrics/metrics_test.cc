// MemoryMetrics: series identity, counters, cumulative histogram buckets.
#include <gtest/gtest.h>

#include "store/metrics/memory_metrics.h"
#include "store/metrics/metrics.h"

namespace store::metrics {
namespace {

TEST(MemoryMetricsTest, OneObjectPerSeriesAndFamilyTotals) {
  MemoryMetrics metrics;
  Counter& prewrite =
      metrics.GetCounter("tikv_storage_command_total", {{"type", "prewrite"}});
  EXPECT_EQ(&prewrite, &metrics.GetCounter("tikv_storage_command_total",
                                           {{"type", "prewrite"}}));
  prewrite.Increment();
  prewrite.Increment(2);
  metrics.GetCounter("tikv_storage_command_total", {{"type", "commit"}})
      .Increment();
  metrics.GetCounter("tikv_storage_command_totals", {}).Increment(100);
  EXPECT_EQ(metrics.CounterValue("tikv_storage_command_total",
                                 {{"type", "prewrite"}}),
            3u);
  EXPECT_EQ(
      metrics.CounterValue("tikv_storage_command_total", {{"type", "missing"}}),
      0u);
  EXPECT_EQ(metrics.CounterFamilyTotal("tikv_storage_command_total"), 4u);
}

TEST(MemoryMetricsTest, HistogramBucketsAreCumulative) {
  MemoryMetrics metrics;
  Histogram& wait = metrics.GetHistogram("latch_wait_duration_seconds", {});
  wait.Observe(0.0001);  // below the first bound
  wait.Observe(0.003);   // between 0.002 and 0.004
  wait.Observe(1000);    // above every bound
  const HistogramValue value =
      metrics.HistogramOf("latch_wait_duration_seconds", {});
  EXPECT_EQ(value.count, 3u);
  EXPECT_DOUBLE_EQ(value.sum, 1000.0031);
  EXPECT_DOUBLE_EQ(kHistogramBucketBounds[0], 0.0005);
  EXPECT_EQ(value.cumulative_buckets[0], 1u);
  EXPECT_EQ(value.cumulative_buckets[2], 1u);  // le 0.002
  EXPECT_EQ(value.cumulative_buckets[3], 2u);  // le 0.004
  EXPECT_EQ(value.cumulative_buckets[kHistogramBucketCount - 1], 2u);
  EXPECT_EQ(metrics.HistogramOf("other", {}).count, 0u);
}

TEST(MemoryMetricsTest, PrometheusTextHasEveryFamilyAndSeries) {
  MemoryMetrics metrics;
  metrics.GetCounter("tikv_a_total", {{"type", "x\"y"}}).Increment(3);
  metrics.GetCounter("tikv_a_total", {{"type", "z"}}).Increment();
  metrics.GetCounter("tikv_b_total", {}).Increment(2);
  metrics.GetHistogram("tikv_d_seconds", {{"type", "get"}}).Observe(0.001);
  const std::string text = metrics.PrometheusText();
  EXPECT_NE(text.find("# TYPE tikv_a_total counter\n"
                      "tikv_a_total{type=\"x\\\"y\"} 3\n"
                      "tikv_a_total{type=\"z\"} 1\n"
                      "# TYPE tikv_b_total counter\n"
                      "tikv_b_total 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE tikv_d_seconds histogram\n"
                      "tikv_d_seconds_bucket{type=\"get\",le=\"0.0005\"} 0\n"
                      "tikv_d_seconds_bucket{type=\"get\",le=\"0.001\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tikv_d_seconds_bucket{type=\"get\",le=\"+Inf\"} 1\n"
                      "tikv_d_seconds_sum{type=\"get\"} 0.001\n"
                      "tikv_d_seconds_count{type=\"get\"} 1\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace store::metrics
