#include "jepsen/linear/linear.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>

#include "jepsen/history/cat.h"
#include "jepsen/linear/models.h"
#include "jepsen/linear/wgl.h"

namespace jepsen::linear {
namespace {

using history::History;
using history::Operation;
using internal::Partition;
using internal::SearchStatus;

// A partition's verdict, in terms of operation indexes.
struct PartitionVerdict {
  SearchStatus status = SearchStatus::kStopped;
  size_t failed_operation = 0;
  std::vector<size_t> prefix_operations;
  std::string state;
  size_t cache_entries = 0;
  uint64_t iterations = 0;  // search iterations it took
};

// One partition's search, resumable (wgl.h: WglSearch::Run). A search that
// fills its cache in list order is followed by one with :info calls tried
// last (wgl.h, SeekCandidate); the verdict is the second's, the
// configurations and iterations counted are both's.
class PartitionJob {
 public:
  virtual ~PartitionJob() = default;
  // Runs until the job has used `iterations` in all, or has a verdict.
  virtual void RunUntil(uint64_t iterations) = 0;
  bool done() const { return verdict_.status != SearchStatus::kRunning; }
  const PartitionVerdict& verdict() const { return verdict_; }
  void Stop() {
    if (!done()) verdict_.status = SearchStatus::kStopped;
  }

 protected:
  PartitionVerdict verdict_;
};

template <typename Model>
class PartitionJobFor : public PartitionJob {
 public:
  PartitionJobFor(Partition& p, ModelKind kind,
                  const internal::SearchLimits& limits)
      : p_(p), kind_(kind), limits_(limits), model_(p) {
    search_ = std::make_unique<Search>(model_, p_.spans, limits_);
    verdict_.status = SearchStatus::kRunning;
  }

  void RunUntil(uint64_t iterations) override {
    while (!done() && verdict_.iterations < iterations) {
      const uint64_t before = search_->iterations();
      SearchStatus status = search_->Run(iterations - verdict_.iterations);
      verdict_.iterations += search_->iterations() - before;
      if (status == SearchStatus::kRunning) return;
      if (status == SearchStatus::kCacheFull && !limits_.optional_last) {
        spent_cache_entries_ = search_->outcome().cache_entries;
        limits_.optional_last = true;
        search_ = std::make_unique<Search>(model_, p_.spans, limits_);
        continue;
      }
      Finish();
    }
  }

 private:
  using Search = internal::WglSearch<Model>;

  void Finish() {
    const auto& outcome = search_->outcome();
    verdict_.status = outcome.status;
    verdict_.cache_entries = spent_cache_entries_ + outcome.cache_entries;
    if (outcome.status == SearchStatus::kNotLinearizable) {
      verdict_.failed_operation = p_.operations[outcome.failed_call];
      for (size_t call : outcome.prefix)
        verdict_.prefix_operations.push_back(p_.operations[call]);
      if constexpr (std::is_same_v<typename Model::State, int32_t>) {
        verdict_.state =
            internal::DescribeCell(p_, kind_, outcome.state_after_prefix);
      } else {
        verdict_.state =
            internal::DescribeCells(p_, kind_, outcome.state_after_prefix);
      }
    }
    search_.reset();  // the verdict is all that is kept
  }

  Partition& p_;
  ModelKind kind_;
  internal::SearchLimits limits_;
  Model model_;
  std::unique_ptr<Search> search_;
  size_t spent_cache_entries_ = 0;
};

std::string DescribeOperation(const History& history, const Operation& op) {
  std::string text = Cat("process ", op.process, " :", op.f());
  if (op.key().has_value()) text += Cat(" key ", op.key()->ToEdn());
  text += Cat(" ", op.input().ToEdn());
  if (op.outcome == history::Outcome::kOk)
    text += Cat(" -> :ok ", op.output().ToEdn());
  if (op.outcome == history::Outcome::kFail) text += Cat(" -> :fail");
  if (op.outcome == history::Outcome::kInfo) text += Cat(" -> :info");
  return Cat(text, " (", history::DescribeOpPosition(history, op.invoke), ")");
}

std::string ExplainInvalid(const History& history,
                           const std::vector<Operation>& operations,
                           const Result& result, const PartitionVerdict& v) {
  const Operation& failed = operations[v.failed_operation];
  std::string text = "not linearizable";
  if (result.key.has_value()) text += Cat(" (key ", result.key->ToEdn(), ")");
  text +=
      Cat(": ", DescribeOperation(history, failed), " cannot be linearized.\n");
  text += Cat("Longest linearizable prefix (", v.prefix_operations.size(),
              " ops), after which "
              "the state is ",
              v.state, ":\n");
  constexpr size_t kShown = 12;
  size_t skip = v.prefix_operations.size() > kShown
                    ? v.prefix_operations.size() - kShown
                    : 0;
  if (skip > 0) text += Cat("  ... ", skip, " earlier ops\n");
  for (size_t i = skip; i < v.prefix_operations.size(); ++i) {
    text += Cat("  ",
                DescribeOperation(history, operations[v.prefix_operations[i]]),
                "\n");
  }
  return text;
}

std::unique_ptr<PartitionJob> MakeJob(Partition& p, ModelKind kind,
                                      const internal::SearchLimits& limits) {
  if (p.multi_key) {
    return std::make_unique<PartitionJobFor<internal::MultiCellModel>>(p, kind,
                                                                       limits);
  }
  return std::make_unique<PartitionJobFor<internal::SingleCellModel>>(p, kind,
                                                                      limits);
}

std::string PartitionName(const Partition& p) {
  return p.key ? p.key->ToEdn() : "all";
}

// Runs every job in `open` up to `iterations` on `threads` threads.
void RunRound(std::vector<std::unique_ptr<PartitionJob>>& jobs,
              const std::vector<size_t>& open, uint64_t iterations,
              size_t threads) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < open.size(); i = next++)
      jobs[open[i]]->RunUntil(iterations);
  };
  threads = std::min(threads, open.size());
  if (threads <= 1) {
    worker();
    return;
  }
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (std::thread& thread : pool) thread.join();
}

// The invalid partition that took the fewest iterations (then the smallest
// key), or -1.
int64_t CheapestInvalid(const std::vector<PartitionVerdict>& verdicts) {
  int64_t best = -1;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    if (verdicts[i].status != SearchStatus::kNotLinearizable) continue;
    if (best < 0 ||
        verdicts[i].iterations < verdicts[static_cast<size_t>(best)].iterations)
      best = static_cast<int64_t>(i);
  }
  return best;
}

// Searches every partition in rounds: round r runs each undecided search up
// to kFirstRoundIterations * 2^r iterations in all, on a small thread pool.
// When a round ends with some partition invalid, the verdict is invalid and
// the rest stop. Invalid histories thus cost about (partitions x 2) times
// the cheapest refutation, however slow the other partitions' searches are
// (Porcupine gets this by racing one goroutine per partition; rounds get it
// deterministically). The partition reported is the invalid one that took
// the fewest iterations, then the smallest key: iteration counts do not
// depend on timing, so neither does the report, for any thread count.
std::vector<PartitionVerdict> RunPartitions(std::vector<Partition>& partitions,
                                            const ModelOptions& model,
                                            const CheckOptions& options) {
  constexpr uint64_t kFirstRoundIterations = 1 << 12;
  constexpr uint64_t kParallelRoundIterations = 1 << 17;
  internal::SearchLimits limits;
  if (options.time_limit != absl::InfiniteDuration()) {
    limits.deadline = std::chrono::steady_clock::now() +
                      absl::ToChronoNanoseconds(options.time_limit);
  }
  limits.max_cache_entries = options.max_cache_entries;
  std::vector<std::unique_ptr<PartitionJob>> jobs;
  std::vector<size_t> open;
  for (size_t i = 0; i < partitions.size(); ++i) {
    jobs.push_back(MakeJob(partitions[i], model.kind, limits));
    if (!jobs.back()->done()) open.push_back(i);
  }
  const size_t threads =
      options.threads > 0 ? static_cast<size_t>(options.threads)
                          : std::max(1u, std::thread::hardware_concurrency());
  for (uint64_t budget = kFirstRoundIterations; !open.empty(); budget *= 2) {
    // Starting threads costs more than it saves on short rounds (most
    // histories need nothing more), above all on a loaded machine.
    const bool long_round = budget * open.size() >= kParallelRoundIterations;
    RunRound(jobs, open, budget, long_round ? threads : 1);
    const bool invalid = std::any_of(open.begin(), open.end(), [&](size_t i) {
      return jobs[i]->verdict().status == SearchStatus::kNotLinearizable;
    });
    if (invalid) break;
    std::erase_if(open, [&jobs](size_t i) { return jobs[i]->done(); });
  }
  std::vector<PartitionVerdict> verdicts;
  for (auto& job : jobs) {
    job->Stop();
    verdicts.push_back(job->verdict());
  }
  return verdicts;
}

}  // namespace

std::optional<ModelKind> ParseModelKind(std::string_view name) {
  if (name == "register") return ModelKind::kRegister;
  if (name == "cas-register") return ModelKind::kCasRegister;
  if (name == "multi-register") return ModelKind::kMultiRegister;
  if (name == "kv" || name == "key-value") return ModelKind::kKeyValue;
  if (name == "mutex") return ModelKind::kMutex;
  return std::nullopt;
}

std::string_view ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kRegister:
      return "register";
    case ModelKind::kCasRegister:
      return "cas-register";
    case ModelKind::kMultiRegister:
      return "multi-register";
    case ModelKind::kKeyValue:
      return "kv";
    case ModelKind::kMutex:
      return "mutex";
  }
  return "?";
}

std::string_view ValidityName(Validity validity) {
  switch (validity) {
    case Validity::kValid:
      return "valid";
    case Validity::kInvalid:
      return "invalid";
    case Validity::kUnknown:
      return "unknown";
  }
  return "?";
}

absl::StatusOr<Result> Check(const History& history, const ModelOptions& model,
                             const CheckOptions& options) {
  absl::StatusOr<std::vector<Operation>> operations =
      history::PairOperations(history);
  if (!operations.ok()) return operations.status();
  absl::StatusOr<std::vector<Partition>> partitions =
      internal::CompilePartitions(history, *operations, model);
  if (!partitions.ok()) return partitions.status();
  const std::vector<PartitionVerdict> verdicts =
      RunPartitions(*partitions, model, options);

  Result result;
  result.partitions = partitions->size();
  for (const Partition& p : *partitions)
    result.operations += p.operations.size();
  for (const PartitionVerdict& v : verdicts)
    result.cache_entries += v.cache_entries;
  const int64_t invalid = CheapestInvalid(verdicts);
  if (invalid >= 0) {
    const PartitionVerdict& v = verdicts[static_cast<size_t>(invalid)];
    result.validity = Validity::kInvalid;
    result.key = (*partitions)[static_cast<size_t>(invalid)].key;
    const Operation& failed = (*operations)[v.failed_operation];
    result.failed_invoke = failed.invoke;
    result.failed_complete = failed.complete;
    for (size_t op : v.prefix_operations) {
      result.linearized_prefix.push_back((*operations)[op].invoke);
    }
    result.state_after_prefix = v.state;
    result.explanation = ExplainInvalid(history, *operations, result, v);
  }
  if (result.validity == Validity::kInvalid) return result;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    SearchStatus s = verdicts[i].status;
    if (s == SearchStatus::kTimedOut || s == SearchStatus::kCacheFull ||
        s == SearchStatus::kStopped) {
      result.validity = Validity::kUnknown;
      result.unknown_partitions.push_back(PartitionName((*partitions)[i]));
    }
  }
  if (result.validity == Validity::kUnknown) {
    result.explanation =
        Cat("unknown: the search hit its ",
            options.max_cache_entries ? "time or memory" : "time", " limit in ",
            result.unknown_partitions.size(), " of ", result.partitions,
            " partitions");
  } else {
    result.explanation =
        Cat("linearizable: ", result.operations, " operations in ",
            result.partitions, " partitions");
  }
  return result;
}

}  // namespace jepsen::linear
