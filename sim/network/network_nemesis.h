// NetworkNemesis: path faults on a schedule drawn from the seeded PRNG (the
// partition half of TigerBeetle's packet simulator and Jepsen's partition
// nemeses). Every `interval` it decides: while the network is healthy it
// starts a fault with `fault_probability`, choosing the kind by weight
// (isolate one, random halves, majority ring, one-way halves, a process
// clog, a swizzle-clog); while faulted it heals with `heal_probability`.
//
// Runs as loop callbacks; every decision is in the trace through the
// network's fault calls.
#ifndef SIM_NETWORK_NETWORK_NEMESIS_H_
#define SIM_NETWORK_NETWORK_NEMESIS_H_

#include <array>
#include <cstdint>
#include <string>

#include "core/base/prng.h"
#include "core/base/time.h"
#include "sim/network/sim_network.h"

namespace sim {

enum class NetworkFault : uint8_t {
  kIsolate = 0,
  kHalves = 1,
  kMajorityRing = 2,
  kOneWayHalves = 3,
  kClogProcess = 4,
  kSwizzleClog = 5,
};
inline constexpr size_t kNetworkFaultKinds = 6;
const char* NetworkFaultName(NetworkFault fault);

struct NemesisOptions {
  core::base::Duration interval = core::base::Duration::Seconds(1);
  double fault_probability = 0.2;
  double heal_probability = 0.3;
  // Relative weight of each NetworkFault kind, indexed by its value.
  std::array<uint32_t, kNetworkFaultKinds> weights = {1, 1, 1, 1, 1, 1};
  // Clogs last a uniform duration in [interval / 10, max_clog].
  core::base::Duration max_clog = core::base::Duration::Seconds(3);
  std::string ToString() const;
};

class NetworkNemesis {
 public:
  NetworkNemesis(SimNetwork& network, const NemesisOptions& options);

  // Starts deciding (the first decision one interval from now).
  void Start();
  // Stops deciding; does not heal (call SimNetwork::Heal for a quiet phase).
  void Stop() { ++generation_; }

  uint64_t injected(NetworkFault fault) const {
    return injected_[static_cast<size_t>(fault)];
  }
  uint64_t heals() const { return heals_; }

 private:
  void Decide(uint64_t generation);
  void Inject(NetworkFault fault);
  NetworkFault PickKind();

  SimNetwork& network_;
  NemesisOptions options_;
  core::base::Prng prng_;
  bool faulted_ = false;
  uint64_t generation_ = 0;
  std::array<uint64_t, kNetworkFaultKinds> injected_ = {};
  uint64_t heals_ = 0;
};

}  // namespace sim

#endif  // SIM_NETWORK_NETWORK_NEMESIS_H_
