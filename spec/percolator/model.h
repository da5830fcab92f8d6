// The Percolator explorer instance: World states, Successors() steps, the
// invariants of invariants.h, and the named configurations the tests and the
// percolator_explorer tool run.
#ifndef SPEC_PERCOLATOR_MODEL_H_
#define SPEC_PERCOLATOR_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "spec/explorer/explorer.h"
#include "spec/percolator/world.h"

namespace spec::percolator {

explorer::Model<World> MakeModel(std::shared_ptr<const WorldConfig> config);

struct NamedConfig {
  std::string name;
  std::string description;
  std::shared_ptr<const WorldConfig> config;
};

// Configurations over 2 keys and up to 3 transactions:
//   "2pc":      optimistic T1 {k1,k2}, pessimistic T2 {k2,k1}, reader T3
//   {k1,k2} "async":    async-commit T1 {k1,k2}, 1PC T2 {k2}, reader T3 {k1,k2}
//   "mixed":    optimistic T1 {k1} reading k2, async T2 {k2,k1}, pessimistic T3
//   {k1}
// plus the smaller ones the mutant tests use (see mutant_test.cc).
std::vector<NamedConfig> StandardConfigs();
// nullptr when unknown.
std::shared_ptr<const WorldConfig> ConfigByName(const std::string& name);

// Explores `config` and, on a violation, renders the trace and final state.
struct ExploreOutcome {
  explorer::Report report;
  std::string violation_report;
};
ExploreOutcome ExploreConfig(std::shared_ptr<const WorldConfig> config,
                             const explorer::Options& options = {});

}  // namespace spec::percolator

#endif  // SPEC_PERCOLATOR_MODEL_H_
