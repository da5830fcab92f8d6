#include "jepsen/history/history.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/base/bytes.h"
#include "jepsen/history/cat.h"

namespace jepsen::history {

std::string_view OpTypeName(OpType type) {
  switch (type) {
    case OpType::kInvoke:
      return "invoke";
    case OpType::kOk:
      return "ok";
    case OpType::kFail:
      return "fail";
    case OpType::kInfo:
      return "info";
  }
  return "?";
}

std::optional<OpType> ParseOpType(std::string_view name) {
  if (name == "invoke") return OpType::kInvoke;
  if (name == "ok") return OpType::kOk;
  if (name == "fail") return OpType::kFail;
  if (name == "info") return OpType::kInfo;
  return std::nullopt;
}

void History::Invoke(int64_t process, std::string f, Value value,
                     std::optional<Value> key, int64_t time_ns) {
  Op op;
  op.type = OpType::kInvoke;
  op.process = process;
  op.f = std::move(f);
  op.value = std::move(value);
  op.key = std::move(key);
  op.time_ns = time_ns;
  op.index = static_cast<int64_t>(ops.size());
  ops.push_back(std::move(op));
}

void History::Complete(int64_t process, OpType type, std::string f, Value value,
                       std::optional<Value> key, int64_t time_ns) {
  Op op;
  op.type = type;
  op.process = process;
  op.f = std::move(f);
  op.value = std::move(value);
  op.key = std::move(key);
  op.time_ns = time_ns;
  op.index = static_cast<int64_t>(ops.size());
  ops.push_back(std::move(op));
}

std::string DescribeOpPosition(const History& history, size_t position) {
  if (position < history.ops.size() && history.ops[position].line > 0) {
    return jepsen::Cat("line ", history.ops[position].line);
  }
  return jepsen::Cat("op #", position);
}

const std::optional<Value>& Operation::key() const {
  if (invocation->key.has_value() || completion == nullptr)
    return invocation->key;
  return completion->key;
}

const Value& Operation::output() const {
  static const Value kNil;
  return completion != nullptr ? completion->value : kNil;
}

absl::StatusOr<std::vector<Operation>> PairOperations(const History& history) {
  std::vector<Operation> operations;
  operations.reserve(history.ops.size() / 2 + 1);
  absl::flat_hash_map<int64_t, size_t> pending;  // process -> operation
  for (size_t i = 0; i < history.ops.size(); ++i) {
    const Op& op = history.ops[i];
    auto it = pending.find(op.process);
    if (op.type == OpType::kInvoke) {
      if (it != pending.end()) {
        const Operation& open = operations[it->second];
        return absl::InvalidArgumentError(
            Cat(DescribeOpPosition(history, i), ": process ", op.process,
                " invokes ", core::base::QuoteExcerpt(Cat(":", op.f)),
                " while its ", core::base::QuoteExcerpt(Cat(":", open.f())),
                " from ", DescribeOpPosition(history, open.invoke),
                " is still pending"));
      }
      Operation operation;
      operation.process = op.process;
      operation.invoke = i;
      operation.invocation = &op;
      pending.emplace(op.process, operations.size());
      operations.push_back(operation);
      continue;
    }
    if (it == pending.end()) {
      return absl::InvalidArgumentError(
          Cat(DescribeOpPosition(history, i), ": :", OpTypeName(op.type),
              " for process ", op.process, " has no pending invocation"));
    }
    Operation& operation = operations[it->second];
    if (op.f != operation.f()) {
      return absl::InvalidArgumentError(
          Cat(DescribeOpPosition(history, i), ": completion ",
              core::base::QuoteExcerpt(Cat(":", op.f)), " of process ",
              op.process, " does not match its invocation ",
              core::base::QuoteExcerpt(Cat(":", operation.f())), " at ",
              DescribeOpPosition(history, operation.invoke)));
    }
    pending.erase(it);
    if (op.type == OpType::kInfo) continue;  // stays open forever
    operation.outcome = op.type == OpType::kOk ? Outcome::kOk : Outcome::kFail;
    operation.complete = i;
    operation.completion = &op;
  }
  return operations;
}

}  // namespace jepsen::history
