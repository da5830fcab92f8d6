#include "spec/percolator/model.h"

#include <sstream>
#include <utility>

#include "spec/percolator/invariants.h"

namespace spec::percolator {
namespace {

TxnSpec Txn(TxnKind kind, std::vector<std::string> writes,
            std::vector<std::string> reads = {}) {
  TxnSpec spec;
  spec.kind = kind;
  spec.write_keys = std::move(writes);
  spec.read_keys = std::move(reads);
  return spec;
}

std::shared_ptr<const WorldConfig> Config(std::vector<TxnSpec> txns,
                                          uint64_t max_tso) {
  auto config = std::make_shared<WorldConfig>();
  config->txns = std::move(txns);
  config->max_tso = max_tso;
  return config;
}

// Replays the shortest trace to the violating state (the explorer keeps only
// labels) and describes that state.
std::string RenderViolation(const explorer::Model<World>& model,
                            const explorer::Violation& violation) {
  std::ostringstream out;
  out << "violated " << violation.invariant << ": " << violation.detail << "\n";
  World state = model.initial;
  for (size_t i = 1; i < violation.trace.size(); ++i) {
    bool found = false;
    model.successors(state, [&](const std::string& label, World next) {
      if (!found && label == violation.trace[i]) {
        state = std::move(next);
        found = true;
      }
    });
    out << "  " << i << ". " << violation.trace[i]
        << (found ? "" : " (replay lost)") << "\n";
  }
  out << "final state:\n" << Describe(state);
  return out.str();
}

}  // namespace

explorer::Model<World> MakeModel(std::shared_ptr<const WorldConfig> config) {
  explorer::Model<World> model;
  model.initial = World::Initial(std::move(config));
  model.successors = [](const World& world,
                        const explorer::EmitFn<World>& emit) {
    Successors(world, [&](std::string label, World next) {
      emit(std::move(label), std::move(next));
    });
  };
  model.fingerprint = [](const World& world) { return world.Fingerprint(); };
  model.invariants = AllInvariants();
  return model;
}

std::vector<NamedConfig> StandardConfigs() {
  using K = TxnKind;
  return {
      {"2pc", "optimistic T1{k1,k2}, pessimistic T2{k2,k1}, reader T3{k1,k2}",
       Config({Txn(K::kOptimistic, {"k1", "k2"}),
               Txn(K::kPessimistic, {"k2", "k1"}),
               Txn(K::kReadOnly, {}, {"k1", "k2"})},
              8)},
      {"async", "async-commit T1{k1,k2}, 1PC T2{k2}, reader T3{k1,k2}",
       Config({Txn(K::kAsyncCommit, {"k1", "k2"}), Txn(K::kOnePc, {"k2"}),
               Txn(K::kReadOnly, {}, {"k1", "k2"})},
              7)},
      {"mixed",
       "optimistic T1{k1} reading k2, async T2{k2,k1}, pessimistic T3{k1}",
       Config(
           {Txn(K::kOptimistic, {"k1"}, {"k2"}),
            Txn(K::kAsyncCommit, {"k2", "k1"}), Txn(K::kPessimistic, {"k1"})},
           7)},
      // Small configurations aimed at one mechanism each (mutant tests).
      {"commit-after-rollback", "optimistic T1{k1}",
       Config({Txn(K::kOptimistic, {"k1"})}, 4)},
      {"read-vs-2pc", "optimistic T1{k1}, reader T2{k1}",
       Config({Txn(K::kOptimistic, {"k1"}), Txn(K::kReadOnly, {}, {"k1"})}, 5)},
      {"read-vs-async", "async-commit T1{k1}, reader T2{k1}",
       Config({Txn(K::kAsyncCommit, {"k1"}), Txn(K::kReadOnly, {}, {"k1"})},
              4)},
      {"collapse", "pessimistic T1{k1}, optimistic T2{k1}",
       Config({Txn(K::kPessimistic, {"k1"}), Txn(K::kOptimistic, {"k1"})}, 6)},
  };
}

std::shared_ptr<const WorldConfig> ConfigByName(const std::string& name) {
  for (const NamedConfig& named : StandardConfigs()) {
    if (named.name == name) return named.config;
  }
  return nullptr;
}

ExploreOutcome ExploreConfig(std::shared_ptr<const WorldConfig> config,
                             const explorer::Options& options) {
  const explorer::Model<World> model = MakeModel(std::move(config));
  ExploreOutcome outcome;
  outcome.report = explorer::Explore(model, options);
  if (outcome.report.violation.has_value()) {
    outcome.violation_report =
        RenderViolation(model, *outcome.report.violation);
  }
  return outcome;
}

}  // namespace spec::percolator
