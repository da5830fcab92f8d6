#include "sim/network/network_options.h"

#include <sstream>

namespace sim {

using core::base::Duration;

NetworkOptions NetworkOptions::Random(core::base::Prng& prng) {
  NetworkOptions options;
  options.drop_probability = prng.NextDouble() * 0.1;
  options.duplicate_probability = prng.NextDouble() * 0.05;
  options.reorder_probability = prng.NextDouble() * 0.1;
  options.min_latency = Duration::Microseconds(prng.UniformInRange(50, 1000));
  options.mean_extra_latency =
      Duration::Microseconds(prng.UniformInRange(0, 5000));
  options.slow_probability = prng.NextDouble() * 0.01;
  options.stream_break_probability = prng.OneIn(4) ? 0.001 : 0.0;
  return options;
}

std::string NetworkOptions::ToString() const {
  std::ostringstream out;
  out << "drop=" << drop_probability << " duplicate=" << duplicate_probability
      << " reorder=" << reorder_probability << "/" << reorder_max_delay
      << " max_queued_datagrams=" << max_queued_datagrams
      << " latency=" << min_latency << "+exp(" << mean_extra_latency
      << ") slow=" << slow_probability << ":pareto(" << slow_latency_scale
      << "," << slow_latency_shape << ") max=" << max_latency
      << " stream_retry=" << stream_retry_interval
      << " stream_timeout=" << stream_timeout
      << " max_segment_bytes=" << max_segment_bytes
      << " stream_break=" << stream_break_probability
      << " stream_window_bytes=" << stream_window_bytes;
  return out.str();
}

}  // namespace sim
