#include "sim/checkers/replicas.h"

namespace sim::checkers {

std::optional<std::string> ReplicasDiffer(const std::vector<Replica>& replicas,
                                          std::vector<std::string>* skipped) {
  const Replica* reference = nullptr;
  for (const Replica& replica : replicas) {
    if (absl::IsDataLoss(replica.contents.status()) &&
        replica.corruption_injected) {
      skipped->push_back(replica.name + " not compared: " +
                         replica.contents.status().ToString());
      continue;
    }
    if (!replica.contents.ok()) {
      return replica.name + ": " + replica.contents.status().ToString();
    }
    if (reference == nullptr) {
      reference = &replica;
    } else if (*replica.contents != *reference->contents) {
      return "replicas " + reference->name + " and " + replica.name +
             " differ at the same applied index";
    }
  }
  return std::nullopt;
}

}  // namespace sim::checkers
