// ReplicasDiffer: the end-of-liveness check that the replicas of one
// replicated state machine hold identical contents (ReplicasIdentical).
#ifndef SIM_CHECKERS_REPLICAS_H_
#define SIM_CHECKERS_REPLICAS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sim::checkers {

struct Replica {
  std::string name;
  absl::StatusOr<std::map<std::string, std::string>> contents;
  // A value on its disk was damaged on purpose (the nemesis's corruption).
  bool corruption_injected = false;
};

// Why the replicas differ (or one cannot be read), or nullopt if every
// comparable one holds the same contents. A replica whose read fails with
// kDataLoss after an injected corruption the node never read is not
// compared: the checksum caught it here instead (never wrong bytes); it is
// listed in `skipped` with the reason.
std::optional<std::string> ReplicasDiffer(const std::vector<Replica>& replicas,
                                          std::vector<std::string>* skipped);

}  // namespace sim::checkers

#endif  // SIM_CHECKERS_REPLICAS_H_
