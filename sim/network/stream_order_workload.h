// Test workload shared by stream_test and the MUTANT_SIM_STREAM_REORDER
// test: one connection carries 200 KB written in random-sized pieces over
// heavy-tailed, finely segmented latency; the reader uses odd-sized reads.
// Header-only so each test links it against its own SimNetwork variant.
#ifndef SIM_NETWORK_STREAM_ORDER_WORKLOAD_H_
#define SIM_NETWORK_STREAM_ORDER_WORKLOAD_H_

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "sim/network/sim_network.h"

namespace sim {

struct StreamOrderResult {
  bool connected = false;
  size_t bytes_received = 0;
  bool in_order = false;  // Received exactly the bytes sent, in order.
};

inline StreamOrderResult RunStreamOrderWorkload(uint64_t seed) {
  using core::base::Duration;
  SimLoopOptions loop_options;
  loop_options.seed = seed;
  SimLoop loop(loop_options);
  NetworkOptions options;
  options.max_segment_bytes = 100;
  options.slow_probability = 0.05;
  SimNetwork network(loop, options);
  for (int i = 0; i < 2; ++i) {
    network.Attach(loop.AddProcess({}), "n" + std::to_string(i));
  }
  std::string sent(200'000, '\0');
  for (size_t i = 0; i < sent.size(); ++i) {
    sent[i] = static_cast<char>(i * 131 % 251);
  }
  StreamOrderResult result;
  std::string received;
  auto listener = *network.endpoint(1).Listen("n1:20160");
  loop.executor(1).Spawn("server", [&] {
    auto conn = listener->Accept();
    if (!conn.ok()) return;
    std::vector<char> buffer(777);
    while (received.size() < sent.size()) {
      auto n = (*conn)->Read(buffer.data(), buffer.size());
      if (!n.ok() || *n == 0) return;
      received.append(buffer.data(), *n);
    }
  });
  loop.executor(0).Spawn("client", [&] {
    auto conn = network.endpoint(0).Connect("n1:20160", Duration::Seconds(5));
    if (!conn.ok()) return;
    result.connected = true;
    core::env::Random& random = loop.random(0);
    size_t offset = 0;
    while (offset < sent.size()) {
      const size_t n =
          std::min<size_t>(1 + random.Uniform(5000), sent.size() - offset);
      if (!(*conn)->Write(std::string_view(sent).substr(offset, n)).ok()) {
        return;
      }
      offset += n;
      if (random.Bernoulli(0.1)) loop.executor(0).Yield();
    }
    loop.executor(0).SleepFor(Duration::Seconds(10));
  });
  loop.RunFor(Duration::Seconds(20));
  loop.Shutdown();
  result.bytes_received = received.size();
  result.in_order = received == sent;
  return result;
}

}  // namespace sim

#endif  // SIM_NETWORK_STREAM_ORDER_WORKLOAD_H_
