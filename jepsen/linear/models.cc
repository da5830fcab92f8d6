#include "jepsen/linear/models.h"

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "core/base/bytes.h"
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
           op.f() == "cas");
}

// Compiles one operation of a partition into micro-ops.
class Compiler {
 public:
  Compiler(const History& history, const ModelOptions& options, Partition& p)
      : history_(history), options_(options), p_(p) {}

  absl::Status Compile(const Operation& op) {
    where_ = op.invoke;
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
    return absl::InvalidArgumentError(
        Cat(history::DescribeOpPosition(history_, where_), ": ", message));
  }

  absl::Status Unsupported(const Operation& op) const {
    return Error(Cat("the ", ModelKindName(options_.kind),
                     " model has no operation ",
                     core::base::QuoteExcerpt(Cat(":", op.f()))));
  }

  int32_t ObservedRead(const Operation& op, const Value& observed) {
    if (op.outcome != Outcome::kOk) return kUnknownValue;
    if (observed.is_nil() && options_.nil_read == NilRead::kUnknown)
      return kUnknownValue;
    return p_.cells.Intern(observed);
  }

  int32_t InternKv(const Value& v) {
    return v.kind() == Value::Kind::kString ? p_.cells.Intern(v)
                                            : p_.cells.Intern(KvText(v));
  }

  void Emit(MicroOp::Kind kind, int32_t cell, int32_t a, int32_t b = 0) {
    p_.micro.push_back(MicroOp{kind, cell, a, b});
  }

  absl::Status CompileRegister(const Operation& op) {
    int32_t cell = Cell(op.key());
    if (op.f() == "read") {
      Emit(MicroOp::Kind::kRead, cell, ObservedRead(op, op.output()));
    } else if (op.f() == "write") {
      Emit(MicroOp::Kind::kWrite, cell, p_.cells.Intern(op.input()));
    } else if (op.f() == "cas" && options_.kind == ModelKind::kCasRegister) {
      if (!op.input().is_vector() || op.input().items().size() != 2) {
        return Error(Cat(":cas value must be [expected new], got ",
                         core::base::QuoteExcerpt(op.input().ToEdn())));
      }
      MicroOp::Kind kind = op.outcome == Outcome::kOk ? MicroOp::Kind::kCasOk
                           : op.outcome == Outcome::kFail
                               ? MicroOp::Kind::kCasFailed
                               : MicroOp::Kind::kCasUnknown;
      Emit(kind, cell, p_.cells.Intern(op.input().items()[0]),
           p_.cells.Intern(op.input().items()[1]));
    } else {
      return Unsupported(op);
    }
    return absl::OkStatus();
  }

  absl::Status CompileKeyValue(const Operation& op) {
    int32_t cell = Cell(op.key());
    if (op.f() == "get" || op.f() == "read") {
      int32_t observed =
          op.outcome == Outcome::kOk ? InternKv(op.output()) : kUnknownValue;
      Emit(MicroOp::Kind::kRead, cell, observed);
    } else if (op.f() == "put" || op.f() == "write") {
      Emit(MicroOp::Kind::kWrite, cell, InternKv(op.input()));
    } else if (op.f() == "append") {
      Emit(MicroOp::Kind::kAppend, cell, InternKv(op.input()));
    } else {
      return Unsupported(op);
    }
    return absl::OkStatus();
  }

  absl::Status CompileMutex(const Operation& op) {
    int32_t cell = Cell(op.key());
    if (op.f() == "acquire") {
      Emit(MicroOp::Kind::kAcquire, cell, 0);
    } else if (op.f() == "release") {
      Emit(MicroOp::Kind::kRelease, cell, 0);
    } else {
      return Unsupported(op);
    }
    return absl::OkStatus();
  }

  absl::Status CompileMultiRegister(const Operation& op) {
    if (op.f() == "read" || op.f() == "write") return CompileRegister(op);
    if (op.f() != "txn") return Unsupported(op);
    // Reads come from the completion; an :info txn's reads are unknown.
    const Value& txn = op.outcome == Outcome::kOk && op.output().is_vector()
                           ? op.output()
                           : op.input();
    if (!txn.is_vector())
      return Error(Cat(":txn value must be a vector, got ",
                       core::base::QuoteExcerpt(txn.ToEdn())));
    for (const Value& micro : txn.items()) {
      if (!micro.is_vector() || micro.items().size() != 3 ||
          !micro.items()[0].AsName()) {
        return Error(Cat("micro-op must be [f key value], got ",
                         core::base::QuoteExcerpt(micro.ToEdn())));
      }
      std::string_view f = *micro.items()[0].AsName();
      int32_t cell = Cell(micro.items()[1]);
      const Value& v = micro.items()[2];
      if (f == "read" || f == "r") {
        Emit(MicroOp::Kind::kRead, cell, ObservedRead(op, v));
      } else if (f == "write" || f == "w") {
        Emit(MicroOp::Kind::kWrite, cell, p_.cells.Intern(v));
      } else {
        return Error(Cat("unknown micro-op ",
                         core::base::QuoteExcerpt(Cat(":", f)),
                         " (expected :read or :write)"));
      }
    }
    return absl::OkStatus();
  }

  const History& history_;
  const ModelOptions& options_;
  Partition& p_;
  size_t where_ = 0;  // the op being compiled, for errors
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

// Compiles one operation into its partition; leaves out calls made only of
// unobserved reads: they can neither fail nor change the state, so they can
// be linearized anywhere in their window. (Left in, each pending :info read
// would double the configurations searched.)
absl::Status CompileInto(Compiler& compiler, const Operation& op, size_t index,
                         Partition& p) {
  const size_t micro_before = p.micro.size();
  absl::Status status = compiler.Compile(op);
  if (!status.ok()) return status;
  bool inert = true;
  for (size_t m = micro_before; m < p.micro.size(); ++m) {
    inert = inert && p.micro[m].kind == MicroOp::Kind::kRead &&
            p.micro[m].a == kUnknownValue;
  }
  if (inert) {
    p.micro.resize(micro_before);
    return absl::OkStatus();
  }
  p.operations.push_back(index);
  p.micro_begin.push_back(static_cast<uint32_t>(p.micro.size()));
  CallSpan span;
  span.call_pos = op.invoke;
  span.return_pos = op.complete == Operation::kOpen ? kOpenReturn : op.complete;
  span.required = op.outcome != Outcome::kInfo;
  p.spans.push_back(span);
  return absl::OkStatus();
}

// Links each :info call to the latest earlier :info call with the same
// micro-ops (CallSpan::earlier_twin), "earlier" by invocation position.
void LinkTwins(Partition& p) {
  std::vector<size_t> order(p.spans.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&p](size_t x, size_t y) {
    return p.spans[x].call_pos < p.spans[y].call_pos;
  });
  std::map<std::vector<std::tuple<int, int32_t, int32_t, int32_t>>, size_t>
      latest;
  for (size_t i : order) {
    if (p.spans[i].required) continue;
    std::vector<std::tuple<int, int32_t, int32_t, int32_t>> signature;
    for (uint32_t m = p.micro_begin[i]; m < p.micro_begin[i + 1]; ++m) {
      const MicroOp& op = p.micro[m];
      signature.emplace_back(static_cast<int>(op.kind), op.key, op.a, op.b);
    }
    auto [it, inserted] = latest.try_emplace(std::move(signature), i);
    if (!inserted) {
      p.spans[i].earlier_twin = static_cast<int64_t>(it->second);
      it->second = i;
    }
  }
}

void SetInitialCells(const ModelOptions& options, Partition& p) {
  if (p.multi_key) {
    for (const Value& key : p.cell_keys) {
      p.initial.push_back(InitialCell(options, p, key));
    }
  } else {
    p.initial.push_back(InitialCell(options, p, p.key.value_or(Value())));
  }
}

}  // namespace

int32_t ValueTable::Intern(const Value& value) {
  if (slots_.empty()) slots_.assign(16, -1);
  const uint64_t hash = value.Hash();
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const int32_t id = slots_[i];
    if (id == -1) {
      slots_[i] = static_cast<int32_t>(values_.size());
      values_.push_back(value);
      hashes_.push_back(hash);
      if (values_.size() * 2 > slots_.size()) Grow();
      return static_cast<int32_t>(values_.size() - 1);
    }
    if (hashes_[static_cast<size_t>(id)] == hash &&
        values_[static_cast<size_t>(id)] == value) {
      return id;
    }
  }
}

void ValueTable::Grow() {
  std::vector<int32_t> slots(slots_.size() * 2, -1);
  const size_t mask = slots.size() - 1;
  for (size_t id = 0; id < hashes_.size(); ++id) {
    size_t i = hashes_[id] & mask;
    while (slots[i] != -1) i = (i + 1) & mask;
    slots[i] = static_cast<int32_t>(id);
  }
  slots_ = std::move(slots);
}

namespace {

// Polynomial string hashing modulo the Mersenne prime 2^61 - 1.
constexpr uint64_t kModulus = (uint64_t{1} << 61) - 1;
constexpr uint64_t kBase = 1'000'003;

uint64_t MulMod(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  const uint64_t folded = static_cast<uint64_t>(product & kModulus) +
                          static_cast<uint64_t>(product >> 61);
  return folded >= kModulus ? folded - kModulus : folded;
}

uint64_t AddMod(uint64_t a, uint64_t b) {
  const uint64_t sum = a + b;
  return sum >= kModulus ? sum - kModulus : sum;
}

uint64_t HashKey(uint64_t hash, uint32_t length) {
  return MixBits(hash ^ (static_cast<uint64_t>(length) << 61));
}

}  // namespace

int32_t Cells::Intern(const Value& value) {
  CHECK(concat_.empty()) << "values are interned before the search";
  const int32_t id = table_.Intern(value);
  if (static_cast<size_t>(id) < texts_.size()) return id;
  Text text;
  if (value.kind() == Value::Kind::kString) {
    text.is_string = true;
    text.length = static_cast<uint32_t>(value.text().size());
    for (unsigned char c : value.text()) {
      text.hash = AddMod(MulMod(text.hash, kBase), c);
      text.power = MulMod(text.power, kBase);
    }
    by_hash_.emplace(HashKey(text.hash, text.length), id);
  }
  texts_.push_back(text);
  return id;
}

Value Cells::ValueOf(int32_t id) const {
  if (static_cast<size_t>(id) < table_.size()) return table_.value(id);
  std::string text;
  AppendText(id, &text);
  return Value::String(std::move(text));
}

void Cells::AppendText(int32_t id, std::string* out) const {
  std::vector<int32_t> pending = {id};  // right parts last in, first out
  while (!pending.empty()) {
    int32_t next = pending.back();
    pending.pop_back();
    while (static_cast<size_t>(next) >= table_.size()) {
      const Text& t = texts_[static_cast<size_t>(next)];
      pending.push_back(t.right);
      next = t.left;
    }
    *out += table_.value(next).text();
  }
}

int32_t Cells::Concat(int32_t left, int32_t right) {
  const uint64_t memo_key =
      (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
      static_cast<uint32_t>(right);
  auto it = concat_.find(memo_key);
  if (it != concat_.end()) return it->second;
  const Text& l = texts_[static_cast<size_t>(left)];
  const Text& r = texts_[static_cast<size_t>(right)];
  CHECK(l.is_string && r.is_string) << "append applies to strings";
  Text text;
  text.is_string = true;
  text.length = l.length + r.length;
  text.hash = AddMod(MulMod(l.hash, r.power), r.hash);
  text.power = MulMod(l.power, r.power);
  text.left = left;
  text.right = right;
  const uint64_t key = HashKey(text.hash, text.length);
  int32_t id = -1;
  std::string built;
  for (auto [match, end] = by_hash_.equal_range(key); match != end; ++match) {
    const Text& other = texts_[static_cast<size_t>(match->second)];
    if (other.hash != text.hash || other.length != text.length) continue;
    if (built.empty()) {
      AppendText(left, &built);
      AppendText(right, &built);
    }
    std::string existing;
    AppendText(match->second, &existing);
    if (existing == built) {
      id = match->second;
      break;
    }
  }
  if (id < 0) {
    id = static_cast<int32_t>(texts_.size());
    texts_.push_back(text);
    by_hash_.emplace(key, id);
  }
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

const std::vector<uint64_t>& Cells::PrefixHashes(int32_t id) {
  const size_t index = static_cast<size_t>(id);
  if (index >= prefix_hashes_.size()) prefix_hashes_.resize(texts_.size());
  std::vector<uint64_t>& hashes = prefix_hashes_[index];
  if (hashes.empty()) {
    std::string text;
    AppendText(id, &text);
    hashes.reserve(text.size() + 1);
    uint64_t hash = 0;
    hashes.push_back(hash);
    for (unsigned char c : text) {
      hash = AddMod(MulMod(hash, kBase), c);
      hashes.push_back(hash);
    }
  }
  return hashes;
}

bool Cells::MayBeExtension(int32_t prefix, int32_t text,
                           const std::vector<int32_t>& pieces) {
  if (!MayBePrefix(prefix, text)) return false;
  const Text& t = texts_[static_cast<size_t>(text)];
  const std::vector<uint64_t>& hashes = PrefixHashes(text);
  // Breadth-first over the positions of `text` reachable by pieces. At each
  // position, the hash of the substring of each length a piece has is
  // computed once (appended texts have few distinct lengths).
  positions_.assign(1, texts_[static_cast<size_t>(prefix)].length);
  for (size_t next = 0; next < positions_.size(); ++next) {
    const uint32_t at = positions_[next];
    if (at == t.length) return true;
    substring_lengths_.clear();
    substring_hashes_.clear();
    for (int32_t piece : pieces) {
      const Text& p = texts_[static_cast<size_t>(piece)];
      const uint32_t end = at + p.length;
      if (!p.is_string || p.length == 0 || end > t.length) continue;
      size_t k = 0;
      while (k < substring_lengths_.size() && substring_lengths_[k] != p.length)
        ++k;
      if (k == substring_lengths_.size()) {
        substring_lengths_.push_back(p.length);
        substring_hashes_.push_back(
            AddMod(hashes[end], kModulus - MulMod(hashes[at], p.power)));
      }
      if (substring_hashes_[k] != p.hash) continue;
      if (std::find(positions_.begin(), positions_.end(), end) ==
          positions_.end())
        positions_.push_back(end);
    }
  }
  return false;
}

bool Cells::MayBePrefix(int32_t prefix, int32_t text) {
  if (prefix == text) return true;
  const Text& p = texts_[static_cast<size_t>(prefix)];
  const Text& t = texts_[static_cast<size_t>(text)];
  if (!p.is_string || !t.is_string || p.length > t.length) return false;
  return PrefixHashes(text)[p.length] == p.hash;
}

CallRole RoleOf(const MicroOp* begin, const MicroOp* end) {
  CallRole role = CallRole::kObserver;
  for (const MicroOp* op = begin; op != end; ++op) {
    switch (op->kind) {
      case MicroOp::Kind::kRead:
      case MicroOp::Kind::kCasFailed:
        break;
      case MicroOp::Kind::kAppend:
        role = CallRole::kExtender;
        break;
      default:
        return CallRole::kSetter;
    }
  }
  return role;
}

bool IsReadOnly(const MicroOp* begin, const MicroOp* end) {
  for (const MicroOp* op = begin; op != end; ++op) {
    if (op->kind != MicroOp::Kind::kRead &&
        op->kind != MicroOp::Kind::kCasFailed)
      return false;
  }
  return true;
}

// A setter's cell when it acts: its micro-ops run on any cell, each CAS
// taken as succeeding (a CAS that fails leaves the cell as it was, which the
// lookahead counts anyway).
int32_t SetterResult(const MicroOp* begin, const MicroOp* end) {
  int32_t cell = kUnknownValue;
  for (const MicroOp* op = begin; op != end; ++op) {
    switch (op->kind) {
      case MicroOp::Kind::kWrite:
        cell = op->a;
        break;
      case MicroOp::Kind::kCasOk:
      case MicroOp::Kind::kCasUnknown:
        cell = op->b;
        break;
      case MicroOp::Kind::kAcquire:
        cell = kMutexHeld;
        break;
      case MicroOp::Kind::kRelease:
        cell = kMutexFree;
        break;
      default:
        break;
    }
  }
  return cell;
}

SingleCellModel::SingleCellModel(Partition& p) : p_(p) {
  for (size_t call = 0; call + 1 < p.micro_begin.size(); ++call) {
    const MicroOp* begin = p.micro.data() + p.micro_begin[call];
    const MicroOp* end = p.micro.data() + p.micro_begin[call + 1];
    roles_.push_back(RoleOf(begin, end));
    read_only_.push_back(IsReadOnly(begin, end) ? 1 : 0);
    set_to_.push_back(SetterResult(begin, end));
  }
}

void SingleCellModel::AddExtender(size_t call) {
  for (uint32_t k = p_.micro_begin[call]; k < p_.micro_begin[call + 1]; ++k) {
    if (p_.micro[k].kind == MicroOp::Kind::kAppend)
      pieces_.push_back(p_.micro[k].a);
  }
}

// Only read-only calls and the extenders (appends) may run before the
// observer: a read needs the cell to be its value already, or its value to
// be the cell followed by some of the appended texts (not thorough: only to
// begin with the cell); a failed CAS needs the cell to differ from
// `expected` (or to be extended, which may make it differ). Every extender
// adds a piece, so no pieces means no extenders.
bool SingleCellModel::MayObserve(const State& s, size_t call, bool thorough) {
  for (uint32_t m = p_.micro_begin[call]; m < p_.micro_begin[call + 1]; ++m) {
    const MicroOp& op = p_.micro[m];
    if (op.kind == MicroOp::Kind::kRead) {
      if (op.a == kUnknownValue || op.a == s) continue;
      if (pieces_.empty()) return false;
      if (!(thorough ? p_.cells.MayBeExtension(s, op.a, pieces_)
                     : p_.cells.MayBePrefix(s, op.a)))
        return false;
    } else if (op.kind == MicroOp::Kind::kCasFailed) {
      if (pieces_.empty() && op.a == s) return false;
    }
  }
  return true;
}

MultiCellModel::MultiCellModel(Partition& p) : p_(p) {
  for (size_t call = 0; call + 1 < p.micro_begin.size(); ++call) {
    read_only_.push_back(IsReadOnly(p.micro.data() + p.micro_begin[call],
                                    p.micro.data() + p.micro_begin[call + 1])
                             ? 1
                             : 0);
  }
}

absl::StatusOr<std::vector<Partition>> CompilePartitions(
    const History& history, const std::vector<Operation>& operations,
    const ModelOptions& options) {
  const bool partitioned =
      options.partition_by_key && options.kind != ModelKind::kMultiRegister;
  static const Value kNoKey;
  // One pass in history order: the ops are touched sequentially, which
  // matters for histories much larger than the caches.
  struct Slot {
    std::unique_ptr<Partition> partition;
    std::unique_ptr<Compiler> compiler;
  };
  ValueTable keys;  // partition key -> slot index
  std::vector<Slot> slots;
  bool any_key = false;
  for (size_t i = 0; i < operations.size(); ++i) {
    const Operation& op = operations[i];
    if (Dropped(op, options)) continue;
    const std::optional<Value>& key = op.key();
    any_key = any_key || key.has_value();
    const size_t index = static_cast<size_t>(
        keys.Intern(partitioned && key.has_value() ? *key : kNoKey));
    if (index == slots.size()) {
      Slot slot;
      slot.partition = std::make_unique<Partition>();
      slot.partition->multi_key = !partitioned;
      slot.partition->micro_begin.push_back(0);
      slot.compiler =
          std::make_unique<Compiler>(history, options, *slot.partition);
      slots.push_back(std::move(slot));
    }
    absl::Status status =
        CompileInto(*slots[index].compiler, op, i, *slots[index].partition);
    if (!status.ok()) return status;
  }
  // Partitions in key order, so that verdicts do not depend on hashing.
  std::vector<size_t> order(slots.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&keys](size_t a, size_t b) {
    return keys.value(static_cast<int32_t>(a)) <
           keys.value(static_cast<int32_t>(b));
  });
  std::vector<Partition> partitions;
  partitions.reserve(slots.size());
  for (size_t index : order) {
    Partition& p = *slots[index].partition;
    if (partitioned && any_key) p.key = keys.value(static_cast<int32_t>(index));
    SetInitialCells(options, p);
    LinkTwins(p);
    partitions.push_back(std::move(p));
  }
  return partitions;
}

std::string DescribeCell(const Partition& p, ModelKind kind, int32_t cell) {
  if (kind == ModelKind::kMutex) return cell == kMutexHeld ? "held" : "free";
  return p.cells.ValueOf(cell).ToEdn();
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
