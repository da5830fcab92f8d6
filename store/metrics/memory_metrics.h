// MemoryMetrics: a Metrics that keeps every series in memory, in name and
// label order, so that what it reports is deterministic. Histograms count
// observations into cumulative buckets with upper bounds
// kHistogramBucketBounds (Prometheus' `le`, plus +Inf), and keep the count
// and the sum.
#ifndef STORE_METRICS_MEMORY_METRICS_H_
#define STORE_METRICS_MEMORY_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/metrics/metrics.h"

namespace store::metrics {

// 0.5 ms .. about 65 s, doubling (TiKV's exponential_buckets(0.0005, 2, 18)
// for its scheduler latencies); bounds for values in seconds.
inline constexpr size_t kHistogramBucketCount = 18;
constexpr std::array<double, kHistogramBucketCount> ExponentialBuckets(
    double first, double factor) {
  std::array<double, kHistogramBucketCount> bounds{};
  for (double& bound : bounds) {
    bound = first;
    first *= factor;
  }
  return bounds;
}
inline constexpr std::array<double, kHistogramBucketCount>
    kHistogramBucketBounds = ExponentialBuckets(0.0005, 2);

struct HistogramValue {
  uint64_t count = 0;
  double sum = 0;
  // Observations <= kHistogramBucketBounds[i] (cumulative); values above
  // the last bound only count in `count`.
  std::array<uint64_t, kHistogramBucketCount> cumulative_buckets{};
};

class MemoryMetrics final : public Metrics {
 public:
  MemoryMetrics();
  ~MemoryMetrics() override;
  MemoryMetrics(const MemoryMetrics&) = delete;
  MemoryMetrics& operator=(const MemoryMetrics&) = delete;

  Counter& GetCounter(std::string_view name, const Labels& labels) override;
  Histogram& GetHistogram(std::string_view name, const Labels& labels) override;

  // Zero / empty for a series never asked for.
  uint64_t CounterValue(std::string_view name, const Labels& labels) const;
  HistogramValue HistogramOf(std::string_view name, const Labels& labels) const;
  // The sum over every label set of a counter family.
  uint64_t CounterFamilyTotal(std::string_view name) const;
  // Every series in Prometheus' text exposition format (0.0.4): a
  // `# TYPE` line per family, counters as `name{labels} value`,
  // histograms as `_bucket{le=...}` (cumulative, then +Inf), `_sum` and
  // `_count`. Label values are escaped (\\, \", \n).
  std::string PrometheusText() const;

 private:
  using SeriesKey = std::pair<std::string, Labels>;
  class MemoryCounter;
  class MemoryHistogram;

  std::map<SeriesKey, std::unique_ptr<MemoryCounter>> counters_;
  std::map<SeriesKey, std::unique_ptr<MemoryHistogram>> histograms_;
};

}  // namespace store::metrics

#endif  // STORE_METRICS_MEMORY_METRICS_H_
