#include "store/metrics/memory_metrics.h"

namespace store::metrics {

class MemoryMetrics::MemoryCounter final : public Counter {
 public:
  void Increment(uint64_t delta) override { value += delta; }
  uint64_t value = 0;
};

class MemoryMetrics::MemoryHistogram final : public Histogram {
 public:
  void Observe(double observed) override {
    ++value.count;
    value.sum += observed;
    for (size_t i = 0; i < kHistogramBucketCount; ++i) {
      if (observed <= kHistogramBucketBounds[i]) ++value.cumulative_buckets[i];
    }
  }
  HistogramValue value;
};

MemoryMetrics::MemoryMetrics() = default;
MemoryMetrics::~MemoryMetrics() = default;

Counter& MemoryMetrics::GetCounter(std::string_view name,
                                   const Labels& labels) {
  auto& slot = counters_[SeriesKey(std::string(name), labels)];
  if (slot == nullptr) slot = std::make_unique<MemoryCounter>();
  return *slot;
}

Histogram& MemoryMetrics::GetHistogram(std::string_view name,
                                       const Labels& labels) {
  auto& slot = histograms_[SeriesKey(std::string(name), labels)];
  if (slot == nullptr) slot = std::make_unique<MemoryHistogram>();
  return *slot;
}

uint64_t MemoryMetrics::CounterValue(std::string_view name,
                                     const Labels& labels) const {
  auto it = counters_.find(SeriesKey(std::string(name), labels));
  return it == counters_.end() ? 0 : it->second->value;
}

HistogramValue MemoryMetrics::HistogramOf(std::string_view name,
                                          const Labels& labels) const {
  auto it = histograms_.find(SeriesKey(std::string(name), labels));
  return it == histograms_.end() ? HistogramValue{} : it->second->value;
}

uint64_t MemoryMetrics::CounterFamilyTotal(std::string_view name) const {
  uint64_t total = 0;
  for (auto it = counters_.lower_bound(SeriesKey(std::string(name), {}));
       it != counters_.end() && it->first.first == name; ++it) {
    total += it->second->value;
  }
  return total;
}

}  // namespace store::metrics
