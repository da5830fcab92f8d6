// Test workload shared by sim_loop_test and the MUTANT_SIM_FIFO_TIES test:
// three fibres become runnable at the same instant; returns how many
// distinct run orders `seeds` seeds produce (all 6 when ties are drawn from
// the seed). Header-only so each test links its own SimLoop variant.
#ifndef SIM_LOOP_TIE_ORDER_WORKLOAD_H_
#define SIM_LOOP_TIE_ORDER_WORKLOAD_H_

#include <set>
#include <string>

#include "sim/loop/sim_loop.h"

namespace sim {

inline size_t DistinctTieOrders(uint64_t seeds) {
  std::set<std::string> orders;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    SimLoopOptions options;
    options.seed = seed;
    SimLoop loop(options);
    const ProcessId p = loop.AddProcess({});
    std::string order;
    for (char name : std::string("abc")) {
      loop.executor(p).Spawn(std::string(1, name),
                             [&order, name] { order.push_back(name); });
    }
    loop.Run();
    orders.insert(order);
  }
  return orders.size();
}

}  // namespace sim

#endif  // SIM_LOOP_TIE_ORDER_WORKLOAD_H_
