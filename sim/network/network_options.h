// NetworkOptions: the per-message fault model of SimNetwork. Every decision
// is drawn from the network's seeded PRNG stream. Printable, so a run can log
// the exact model it used.
#ifndef SIM_NETWORK_NETWORK_OPTIONS_H_
#define SIM_NETWORK_NETWORK_OPTIONS_H_

#include <cstddef>
#include <string>

#include "core/base/prng.h"
#include "core/base/time.h"

namespace sim {

struct NetworkOptions {
  // --- Datagrams.
  // Lost outright.
  double drop_probability = 0.0;
  // Delivered twice (each copy with its own latency).
  double duplicate_probability = 0.0;
  // Held back by an extra uniform delay in [0, reorder_max_delay], so it
  // overtakes or is overtaken by its neighbours.
  double reorder_probability = 0.0;
  core::base::Duration reorder_max_delay =
      core::base::Duration::Milliseconds(5);
  // Full receive queue: further datagrams are dropped, as UDP does.
  size_t max_queued_datagrams = 4096;

  // --- One-way latency (datagrams and stream segments), heavy-tailed:
  // min_latency + Exponential(mean_extra_latency) on the fast path; with
  // slow_probability, min_latency + Pareto(slow_latency_scale,
  // slow_latency_shape) instead. Capped at max_latency.
  core::base::Duration min_latency = core::base::Duration::Microseconds(100);
  core::base::Duration mean_extra_latency =
      core::base::Duration::Microseconds(400);
  double slow_probability = 0.001;
  core::base::Duration slow_latency_scale =
      core::base::Duration::Milliseconds(10);
  double slow_latency_shape = 1.5;
  core::base::Duration max_latency = core::base::Duration::Seconds(2);

  // --- Streams. A partition or clog stalls a stream (nothing is lost: the
  // sender retransmits every stream_retry_interval); a stall longer than
  // stream_timeout breaks the connection (both ends get kUnavailable), as a
  // TCP user timeout would. Connect retries its SYN the same way.
  core::base::Duration stream_retry_interval =
      core::base::Duration::Milliseconds(200);
  core::base::Duration stream_timeout = core::base::Duration::Seconds(10);
  // A Write is cut into segments of 1..max_segment_bytes (random), so
  // readers see arbitrary splits of the byte stream.
  size_t max_segment_bytes = 16 * 1024;
  // Per written segment: the connection resets at random.
  double stream_break_probability = 0.0;
  // Unread plus in-flight bytes per direction before Write parks.
  size_t stream_window_bytes = 1024 * 1024;

  // "Swarm" options (TigerBeetle's options_swarm): a random fault mix for a
  // seed sweep, each probability in a modest range.
  static NetworkOptions Random(core::base::Prng& prng);
  std::string ToString() const;
};

}  // namespace sim

#endif  // SIM_NETWORK_NETWORK_OPTIONS_H_
