// Metrics: the one small interface drivers count and time things through
// (commands by kind, latch waits, proposals, sync latency, ...). There is no
// global registry: a driver gets a Metrics& through its constructor, like
// every other part of its environment, so a simulator hosting a whole
// cluster keeps each node's figures apart. The runtime will render a
// MemoryMetrics as Prometheus text on /metrics; tests read values back.
//
// A series is a family name (Prometheus style, e.g.
// "tikv_storage_command_total") plus a label set; asking twice for one
// series returns the same object. Returned references stay valid for the
// lifetime of the Metrics. Names follow TiKV's where TiKV has the metric.
//
// Thread-affinity: one node's executor, like the driver that owns it.
#ifndef STORE_METRICS_METRICS_H_
#define STORE_METRICS_METRICS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace store::metrics {

// name="value" pairs, e.g. {{"type", "prewrite"}}; order is part of the
// series' identity.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  virtual ~Counter() = default;
  virtual void Increment(uint64_t delta = 1) = 0;
};

class Histogram {
 public:
  virtual ~Histogram() = default;
  virtual void Observe(double value) = 0;
};

class Metrics {
 public:
  virtual ~Metrics() = default;
  virtual Counter& GetCounter(std::string_view name, const Labels& labels) = 0;
  // Seconds, bytes, counts: the unit is in the name
  // ("..._duration_seconds").
  virtual Histogram& GetHistogram(std::string_view name,
                                  const Labels& labels) = 0;
};

// Drops everything: for callers that do not watch.
class NullMetrics final : public Metrics {
 public:
  Counter& GetCounter(std::string_view, const Labels&) override {
    return counter_;
  }
  Histogram& GetHistogram(std::string_view, const Labels&) override {
    return histogram_;
  }

 private:
  class NullCounter final : public Counter {
   public:
    void Increment(uint64_t) override {}
  };
  class NullHistogram final : public Histogram {
   public:
    void Observe(double) override {}
  };
  NullCounter counter_;
  NullHistogram histogram_;
};

}  // namespace store::metrics

#endif  // STORE_METRICS_METRICS_H_
