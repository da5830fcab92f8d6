#include "jepsen/linear/models.h"

#include <map>
#include <utility>

#include "absl/status/status.h"
#include "jepsen/history/cat.h"

namespace jepsen::linear::internal {
namespace {

using history::History;
using history::Operation;
using history::Outcome;
using history::Value;

// Key-value values are strings; nil (an absent key) reads as "".
Value KvText(const Value& v) {
  if (v.is_nil()) return Value::String("");
  if (v.kind() == Value::Kind::kString) return v;
  return Value::String(v.ToEdn());
}

bool Dropped(const Operation& op, const ModelOptions& options) {
  if (op.outcome != Outcome::kFail) return false;
  return !(options.kind == ModelKind::kCasRegister &&
           options.failed_cas == FailedCas::kObservedCompareFail &&
           op.f == "cas");
}

// Compiles one operation of a partition into micro-ops.
class Compiler {
 public:
  Compiler(const History& history, const ModelOptions& options, Partition& p)
      : history_(history), options_(options), p_(p) {}

  absl::Status Compile(const Operation& op) {
    where_ = history::DescribeOpPosition(history_, op.invoke);
    switch (options_.kind) {
      case ModelKind::kRegister:
      case ModelKind::kCasRegister:
        return CompileRegister(op);
      case ModelKind::kKeyValue:
        return CompileKeyValue(op);
      case ModelKind::kMutex:
        return CompileMutex(op);
      case ModelKind::kMultiRegister:
        return CompileMultiRegister(op);
    }
    return absl::InternalError("unknown model");
  }

  // Cell index of a key: 0 in single-key partitions.
  int32_t Cell(const std::optional<Value>& key) {
    if (!p_.multi_key) return 0;
    Value k = key.value_or(Value());
    auto [it, inserted] =
        cell_index_.emplace(k, static_cast<int32_t>(p_.cell_keys.size()));
    if (inserted) p_.cell_keys.push_back(k);
    return it->second;
  }

 private:
  absl::Status Error(std::string_view message) const {
    return absl::InvalidArgumentError(Cat(where_, ": ", message));
  }

  absl::Status Unsupported(const Operation& op) const {
    return Error(Cat("the ", ModelKindName(options_.kind),
                     " model has no operation :", op.f));
  }

  int32_t ObservedRead(const Operation& op, const Value& observed) {
    if (op.outcome != Outcome::kOk) return kUnknownValue;
    if (observed.is_nil() && options_.nil_read == NilRead::kUnknown)
      return kUnknownValue;
    return p_.cells.Intern(observed);
  }

  void Emit(MicroOp::Kind kind, int32_t cell, int32_t a, int32_t b = 0) {
    p_.micro.push_back(MicroOp{kind, cell, a, b});
  }

  absl::Status CompileRegister(const Operation& op) {
    int32_t cell = Cell(op.key);
    if (op.f == "read") {
      Emit(MicroOp::Kind::kRead, cell, ObservedRead(op, op.output));
    } else if (op.f == "write") {
      Emit(MicroOp::Kind::kWrite, cell, p_.cells.Intern(op.input));
    } else if (op.f == "cas" && options_.kind == ModelKind::kCasRegister) {
      if (!op.input.is_vector() || op.input.items().size() != 2) {
        return Error(
            Cat(":cas value must be [expected new], got ", op.input.ToEdn()));
      }
      MicroOp::Kind kind = op.outcome == Outcome::kOk ? MicroOp::Kind::kCasOk
                           : op.outcome == Outcome::kFail
                               ? MicroOp::Kind::kCasFailed
                               : MicroOp::Kind::kCasUnknown;
      Emit(kind, cell, p_.cells.Intern(op.input.items()[0]),
           p_.cells.Intern(op.input.items()[1]));
    } else {
      return Unsupported(op);
    }
    return absl::OkStatus();
  }

  absl::Status CompileKeyValue(const Operation& op) {
    int32_t cell = Cell(op.key);
    if (op.f == "get" || op.f == "read") {
      int32_t observed = op.outcome == Outcome::kOk
                             ? p_.cells.Intern(KvText(op.output))
                             : kUnknownValue;
      Emit(MicroOp::Kind::kRead, cell, observed);
    } else if (op.f == "put" || op.f == "write") {
      Emit(MicroOp::Kind::kWrite, cell, p_.cells.Intern(KvText(op.input)));
    } else if (op.f == "append") {
      Emit(MicroOp::Kind::kAppend, cell, p_.cells.Intern(KvText(op.input)));
    } else {
      return Unsupported(op);
    }
    return absl::OkStatus();
  }

  absl::Status CompileMutex(const Operation& op) {
    int32_t cell = Cell(op.key);
    if (op.f == "acquire") {
      Emit(MicroOp::Kind::kAcquire, cell, 0);
    } else if (op.f == "release") {
      Emit(MicroOp::Kind::kRelease, cell, 0);
    } else {
      return Unsupported(op);
    }
    return absl::OkStatus();
  }

  absl::Status CompileMultiRegister(const Operation& op) {
    if (op.f == "read" || op.f == "write") return CompileRegister(op);
    if (op.f != "txn") return Unsupported(op);
    // Reads come from the completion; an :info txn's reads are unknown.
    const Value& txn = op.outcome == Outcome::kOk && op.output.is_vector()
                           ? op.output
                           : op.input;
    if (!txn.is_vector())
      return Error(Cat(":txn value must be a vector, got ", txn.ToEdn()));
    for (const Value& micro : txn.items()) {
      if (!micro.is_vector() || micro.items().size() != 3 ||
          !micro.items()[0].AsName()) {
        return Error(
            Cat("micro-op must be [f key value], got ", micro.ToEdn()));
      }
      std::string_view f = *micro.items()[0].AsName();
      int32_t cell = Cell(micro.items()[1]);
      const Value& v = micro.items()[2];
      if (f == "read" || f == "r") {
        Emit(MicroOp::Kind::kRead, cell, ObservedRead(op, v));
      } else if (f == "write" || f == "w") {
        Emit(MicroOp::Kind::kWrite, cell, p_.cells.Intern(v));
      } else {
        return Error(
            Cat("unknown micro-op :", f, " (expected :read or :write)"));
      }
    }
    return absl::OkStatus();
  }

  const History& history_;
  const ModelOptions& options_;
  Partition& p_;
  std::string where_;
  std::map<Value, int32_t> cell_index_;
};

int32_t InitialCell(const ModelOptions& options, Partition& p,
                    const Value& key) {
  switch (options.kind) {
    case ModelKind::kKeyValue:
      return p.cells.Intern(Value::String(""));
    case ModelKind::kMutex:
      return kMutexFree;
    case ModelKind::kMultiRegister:
      if (options.initial.is_map()) {
        for (const auto& [k, v] : options.initial.entries()) {
          if (k == key) return p.cells.Intern(v);
        }
        return p.cells.Intern(Value());
      }
      return p.cells.Intern(options.initial);
    case ModelKind::kRegister:
    case ModelKind::kCasRegister:
      return p.cells.Intern(options.initial);
  }
  return 0;
}

absl::Status CompileOne(const History& history,
                        const std::vector<Operation>& operations,
                        const ModelOptions& options, Partition& p) {
  Compiler compiler(history, options, p);
  p.micro_begin.push_back(0);
  for (size_t index : p.operations) {
    const Operation& op = operations[index];
    absl::Status status = compiler.Compile(op);
    if (!status.ok()) return status;
    p.micro_begin.push_back(static_cast<uint32_t>(p.micro.size()));
    CallSpan span;
    span.call_pos = op.invoke;
    span.return_pos =
        op.complete == Operation::kOpen ? kOpenReturn : op.complete;
    span.required = op.outcome != Outcome::kInfo;
    p.spans.push_back(span);
  }
  if (p.multi_key) {
    for (const Value& key : p.cell_keys)
      p.initial.push_back(InitialCell(options, p, key));
  } else {
    p.initial.push_back(InitialCell(options, p, p.key.value_or(Value())));
  }
  return absl::OkStatus();
}

}  // namespace

int32_t Cells::Intern(const Value& value) {
  auto [it, inserted] =
      ids_.emplace(value, static_cast<int32_t>(values_.size()));
  if (inserted) values_.push_back(value);
  return it->second;
}

int32_t Cells::Concat(int32_t left, int32_t right) {
  uint64_t memo_key =
      (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
      static_cast<uint32_t>(right);
  auto it = concat_.find(memo_key);
  if (it != concat_.end()) return it->second;
  int32_t id = Intern(Value::String(value(left).text() + value(right).text()));
  concat_.emplace(memo_key, id);
  return id;
}

bool Cells::Apply(int32_t current, const MicroOp& op, int32_t* next) {
  switch (op.kind) {
    case MicroOp::Kind::kRead:
      if (op.a != kUnknownValue && current != op.a) return false;
      *next = current;
      return true;
    case MicroOp::Kind::kWrite:
      *next = op.a;
      return true;
    case MicroOp::Kind::kCasOk:
      if (current != op.a) return false;
      *next = op.b;
      return true;
    case MicroOp::Kind::kCasFailed:
      if (current == op.a) return false;
      *next = current;
      return true;
    case MicroOp::Kind::kCasUnknown:
      *next = current == op.a ? op.b : current;
      return true;
    case MicroOp::Kind::kAppend:
      *next = Concat(current, op.a);
      return true;
    case MicroOp::Kind::kAcquire:
      if (current != kMutexFree) return false;
      *next = kMutexHeld;
      return true;
    case MicroOp::Kind::kRelease:
      if (current != kMutexHeld) return false;
      *next = kMutexFree;
      return true;
  }
  return false;
}

absl::StatusOr<std::vector<Partition>> CompilePartitions(
    const History& history, const std::vector<Operation>& operations,
    const ModelOptions& options) {
  const bool partitioned =
      options.partition_by_key && options.kind != ModelKind::kMultiRegister;
  std::map<Value, std::vector<size_t>> groups;
  bool any_key = false;
  for (size_t i = 0; i < operations.size(); ++i) {
    if (Dropped(operations[i], options)) continue;
    any_key = any_key || operations[i].key.has_value();
    Value group = partitioned ? operations[i].key.value_or(Value()) : Value();
    groups[group].push_back(i);
  }
  std::vector<Partition> partitions(groups.size());
  size_t next = 0;
  for (auto& [key, members] : groups) {
    Partition& p = partitions[next++];
    if (partitioned && any_key) p.key = key;
    p.multi_key = !partitioned;
    p.operations = std::move(members);
    absl::Status status = CompileOne(history, operations, options, p);
    if (!status.ok()) return status;
  }
  return partitions;
}

std::string DescribeCell(const Partition& p, ModelKind kind, int32_t cell) {
  if (kind == ModelKind::kMutex) return cell == kMutexHeld ? "held" : "free";
  return p.cells.value(cell).ToEdn();
}

std::string DescribeCells(const Partition& p, ModelKind kind,
                          const std::vector<int32_t>& cells) {
  std::string out = "{";
  for (size_t i = 0; i < cells.size() && i < p.cell_keys.size(); ++i) {
    if (i > 0) out += ", ";
    out += p.cell_keys[i].ToEdn() + " " + DescribeCell(p, kind, cells[i]);
  }
  return out + "}";
}

}  // namespace jepsen::linear::internal
