#include "jepsen/linear/linear.h"

#include <algorithm>
#include <atomic>
#include <chrono>
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
  SearchStatus status = SearchStatus::kLinearizable;
  size_t failed_operation = 0;
  std::vector<size_t> prefix_operations;
  std::string state;
  size_t cache_entries = 0;
};

template <typename Model>
PartitionVerdict SearchPartition(Partition& p, ModelKind kind,
                                 const internal::SearchLimits& limits) {
  Model model(p);
  auto outcome = internal::SearchWgl(model, p.spans, limits);
  PartitionVerdict verdict;
  verdict.status = outcome.status;
  verdict.cache_entries = outcome.cache_entries;
  if (outcome.status == SearchStatus::kNotLinearizable) {
    verdict.failed_operation = p.operations[outcome.failed_call];
    for (size_t call : outcome.prefix)
      verdict.prefix_operations.push_back(p.operations[call]);
    if constexpr (std::is_same_v<typename Model::State, int32_t>) {
      verdict.state =
          internal::DescribeCell(p, kind, outcome.state_after_prefix);
    } else {
      verdict.state =
          internal::DescribeCells(p, kind, outcome.state_after_prefix);
    }
  }
  return verdict;
}

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

PartitionVerdict SearchEitherModel(Partition& p, ModelKind kind,
                                   const internal::SearchLimits& limits) {
  return p.multi_key
             ? SearchPartition<internal::MultiCellModel>(p, kind, limits)
             : SearchPartition<internal::SingleCellModel>(p, kind, limits);
}

std::string PartitionName(const Partition& p) {
  return p.key ? p.key->ToEdn() : "all";
}

// Searches every partition on a small pool of threads.
void RunPartitions(std::vector<Partition>& partitions,
                   const ModelOptions& model, const CheckOptions& options,
                   std::vector<PartitionVerdict>* verdicts) {
  const auto start = std::chrono::steady_clock::now();
  internal::SearchLimits base;
  if (options.time_limit != absl::InfiniteDuration()) {
    base.deadline = start + absl::ToChronoNanoseconds(options.time_limit);
  }
  base.max_cache_entries = options.max_cache_entries;
  std::atomic<size_t> next{0};
  // Partitions after the first invalid one need not finish; stopping them
  // keeps the reported partition the same for any thread count.
  std::atomic<size_t> first_invalid{partitions.size()};
  auto worker = [&] {
    for (size_t i = next++; i < partitions.size(); i = next++) {
      internal::SearchLimits limits = base;
      limits.should_stop = [&first_invalid, i] {
        return first_invalid.load() < i;
      };
      PartitionVerdict& v = (*verdicts)[i];
      if (first_invalid.load() < i) {
        v.status = SearchStatus::kStopped;
        continue;
      }
      v = SearchEitherModel(partitions[i], model.kind, limits);
      // A search that filled its cache in list order gets a second one with
      // :info calls tried last (wgl.h, SeekCandidate); the verdict is the
      // second's, the configurations counted are both's.
      if (v.status == SearchStatus::kCacheFull) {
        limits.optional_last = true;
        const size_t first_entries = v.cache_entries;
        v = SearchEitherModel(partitions[i], model.kind, limits);
        v.cache_entries += first_entries;
      }
      if (v.status == SearchStatus::kNotLinearizable) {
        size_t seen = first_invalid.load();
        while (i < seen && !first_invalid.compare_exchange_weak(seen, i)) {
        }
      }
    }
  };
  size_t threads = options.threads > 0
                       ? static_cast<size_t>(options.threads)
                       : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, partitions.size());
  if (threads <= 1) {
    worker();
    return;
  }
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (std::thread& thread : pool) thread.join();
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
  std::vector<PartitionVerdict> verdicts(partitions->size());
  RunPartitions(*partitions, model, options, &verdicts);

  Result result;
  result.partitions = partitions->size();
  for (const Partition& p : *partitions)
    result.operations += p.operations.size();
  for (size_t i = 0; i < verdicts.size(); ++i) {
    result.cache_entries += verdicts[i].cache_entries;
    if (verdicts[i].status == SearchStatus::kNotLinearizable &&
        result.validity != Validity::kInvalid) {
      const PartitionVerdict& v = verdicts[i];
      result.validity = Validity::kInvalid;
      result.key = (*partitions)[i].key;
      const Operation& failed = (*operations)[v.failed_operation];
      result.failed_invoke = failed.invoke;
      result.failed_complete = failed.complete;
      for (size_t op : v.prefix_operations) {
        result.linearized_prefix.push_back((*operations)[op].invoke);
      }
      result.state_after_prefix = v.state;
      result.explanation = ExplainInvalid(history, *operations, result, v);
    }
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
