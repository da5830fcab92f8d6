#include "sim/runner/workloads.h"

#include "sim/cluster/cluster_workload.h"
#include "sim/pd/pd_workload.h"
#include "sim/register/register_workload.h"

namespace sim::runner {
namespace {

// One entry per workload; the first is the default.
const Workload* const* All() {
  static const register_kv::RegisterWorkload kRegister;
  static const pdsim::PdWorkload kPd;
  static const cluster::ClusterWorkload kCluster;
  static const Workload* const kAll[] = {&kRegister, &kPd, &kCluster, nullptr};
  return kAll;
}

}  // namespace

const Workload* FindWorkload(std::string_view name) {
  for (const Workload* const* w = All(); *w != nullptr; ++w) {
    if ((*w)->name() == name) return *w;
  }
  return nullptr;
}

std::string WorkloadNames() {
  std::string names;
  for (const Workload* const* w = All(); *w != nullptr; ++w) {
    if (!names.empty()) names += ",";
    names += (*w)->name();
  }
  return names;
}

}  // namespace sim::runner
