#include "store/metrics/memory_metrics.h"

#include <charconv>

namespace store::metrics {
namespace {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="1",b="2"}` (with `extra` last, if any), or "" for no labels.
std::string LabelText(const Labels& labels, const std::string& extra = "") {
  std::string out;
  for (const auto& [key, value] : labels) {
    out +=
        (out.empty() ? "" : ",") + key + "=\"" + EscapeLabelValue(value) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

// The shortest fixed-point text that reads back as exactly `value`.
std::string Number(double value) {
  char buffer[400];  // DBL_MAX in fixed notation fits
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value,
                                    std::chars_format::fixed);
  return std::string(buffer, result.ptr);
}

}  // namespace

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

std::string MemoryMetrics::PrometheusText() const {
  std::string out;
  std::string family;
  for (const auto& [key, counter] : counters_) {
    if (key.first != family) {
      family = key.first;
      out += "# TYPE " + family + " counter\n";
    }
    out += key.first + LabelText(key.second) + " " +
           std::to_string(counter->value) + "\n";
  }
  family.clear();
  for (const auto& [key, histogram] : histograms_) {
    const std::string& name = key.first;
    if (name != family) {
      family = name;
      out += "# TYPE " + family + " histogram\n";
    }
    const HistogramValue& value = histogram->value;
    for (size_t i = 0; i < kHistogramBucketCount; ++i) {
      out += name + "_bucket" +
             LabelText(key.second,
                       "le=\"" + Number(kHistogramBucketBounds[i]) + "\"") +
             " " + std::to_string(value.cumulative_buckets[i]) + "\n";
    }
    out += name + "_bucket" + LabelText(key.second, "le=\"+Inf\"") + " " +
           std::to_string(value.count) + "\n";
    out +=
        name + "_sum" + LabelText(key.second) + " " + Number(value.sum) + "\n";
    out += name + "_count" + LabelText(key.second) + " " +
           std::to_string(value.count) + "\n";
  }
  return out;
}

}  // namespace store::metrics
