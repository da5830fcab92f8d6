// The history model shared by every checker: a sequence of events in the
// order they happened (invocations and completions), as Jepsen records them.
//
// Jepsen's meaning (Ref: Knossos README "History"; jepsen.history):
//   :invoke  a client (process) starts an operation.
//   :ok      it definitely happened, with the completion's value.
//   :fail    it definitely did NOT happen (a model may choose to read some
//            failures as observations instead, e.g. a CAS whose compare
//            failed; see linear::ModelOptions).
//   :info    indeterminate: it may or may not happen, at any point after the
//            invocation. The op stays open forever and its process never
//            issues again (Jepsen gives the client a fresh process id).
// A process is a single-threaded client: it has at most one op pending.
// Events are ordered by their position in the history; `time_ns` is carried
// for display only.
#ifndef JEPSEN_HISTORY_HISTORY_H_
#define JEPSEN_HISTORY_HISTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "jepsen/history/value.h"

namespace jepsen::history {

enum class OpType { kInvoke, kOk, kFail, kInfo };

// "invoke", "ok", "fail", "info".
std::string_view OpTypeName(OpType type);
std::optional<OpType> ParseOpType(std::string_view name);

// One event of a history.
struct Op {
  OpType type = OpType::kInvoke;
  int64_t process = 0;
  std::string f;             // function: "read", "write", "cas", "txn", ...
  Value value;               // argument (invoke) or result (completion)
  std::optional<Value> key;  // the key of a single-key op on a multi-key store
  int64_t time_ns = -1;      // -1 when not recorded
  int64_t index = -1;        // as recorded in the file; -1 when absent
  Value error;               // :error of a completion; nil when absent
  int line = 0;              // source line (1-based); 0 when built in memory
};

struct History {
  std::vector<Op> ops;

  // Conveniences for building histories in code (simulator, tests). They set
  // index to the op's position.
  void Invoke(int64_t process, std::string f, Value value = Value(),
              std::optional<Value> key = std::nullopt, int64_t time_ns = -1);
  void Complete(int64_t process, OpType type, std::string f,
                Value value = Value(), std::optional<Value> key = std::nullopt,
                int64_t time_ns = -1);
};

// How an operation ended.
enum class Outcome {
  kOk,
  kFail,
  kInfo
};  // kInfo also covers "never completed"

// An invocation paired with its completion. It points into the History it
// came from, which must outlive it (pairing copies no values).
struct Operation {
  static constexpr size_t kOpen = static_cast<size_t>(-1);

  int64_t process = 0;
  Outcome outcome = Outcome::kInfo;
  size_t invoke = 0;        // position of the invocation in History::ops
  size_t complete = kOpen;  // position of the completion; kOpen for :info/open
  const Op* invocation = nullptr;
  const Op* completion = nullptr;  // the :ok or :fail op; nullptr otherwise

  const std::string& f() const { return invocation->f; }
  // The invocation's :key, else the completion's.
  const std::optional<Value>& key() const;
  // The invocation's value.
  const Value& input() const { return invocation->value; }
  // The completion's value; nil for :info and open operations.
  const Value& output() const;
};

// Pairs every invocation with the next completion of the same process.
// Operations come out in invocation order. An :info completion leaves the
// operation open (complete = kOpen) and frees the process slot (Jepsen never
// reuses it, but a history that does is still accepted). Errors, naming the
// line: a completion with no pending invocation, an invocation while one is
// pending, or a completion whose :f differs from its invocation's.
absl::StatusOr<std::vector<Operation>> PairOperations(const History& history);

// "line 12" when the op has a source line, else "op #i" (its position).
std::string DescribeOpPosition(const History& history, size_t position);

}  // namespace jepsen::history

#endif  // JEPSEN_HISTORY_HISTORY_H_
