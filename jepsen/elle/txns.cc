// Extracting transactions (micro-op lists) from paired history operations.
#include <unordered_map>

#include "absl/status/status.h"
#include "core/base/bytes.h"
#include "jepsen/elle/internal.h"
#include "jepsen/history/cat.h"

namespace jepsen::elle::internal {
namespace {

using history::Operation;
using history::Outcome;
using history::Value;

class Extractor {
 public:
  Extractor(const history::History& history, Workload workload, TxnHistory* out)
      : history_(history), workload_(workload), out_(out) {}

  absl::Status Add(const Operation& op) {
    Txn txn;
    txn.outcome = op.outcome;
    txn.process = op.process;
    txn.invoke = op.invoke;
    txn.complete = op.complete;
    where_ = txn.position();
    const bool ok = op.outcome == Outcome::kOk;
    const Value& value = ok ? op.output() : op.input();
    if (!value.is_vector())
      return Error(Cat(":txn value must be a vector, got ",
                       core::base::QuoteExcerpt(value.ToEdn())));
    for (const Value& micro : value.items()) {
      Mop mop;
      absl::Status status = Parse(micro, ok, &mop);
      if (!status.ok()) return status;
      txn.mops.push_back(mop);
    }
    out_->txns.push_back(std::move(txn));
    return absl::OkStatus();
  }

 private:
  absl::Status Error(std::string_view message) const {
    return absl::InvalidArgumentError(
        Cat(history::DescribeOpPosition(history_, where_), ": ", message));
  }

  int32_t Key(const Value& key) {
    auto [it, inserted] =
        keys_.emplace(key, static_cast<int32_t>(out_->keys.size()));
    if (inserted) out_->keys.push_back(key);
    return it->second;
  }

  absl::Status Parse(const Value& micro, bool ok, Mop* mop) {
    if (!micro.is_vector() || micro.items().size() != 3 ||
        !micro.items()[0].AsName()) {
      return Error(Cat("micro-op must be [f key value], got ",
                       core::base::QuoteExcerpt(micro.ToEdn())));
    }
    std::string_view f = *micro.items()[0].AsName();
    const Value& v = micro.items()[2];
    mop->key = Key(micro.items()[1]);
    const bool list_append = workload_ == Workload::kListAppend;
    if (f == "r" || f == "read") {
      mop->kind = Mop::Kind::kRead;
      mop->known = ok;
      if (!ok) return absl::OkStatus();
      if (!list_append) {
        if (!v.is_nil() && !v.is_int())
          return Error(Cat("read value must be an integer or nil, got ",
                           core::base::QuoteExcerpt(v.ToEdn())));
        mop->value = v.is_nil() ? kNilValue : v.int_value();
        return absl::OkStatus();
      }
      if (!v.is_nil() && !v.is_vector())
        return Error(Cat("list-append read must be a list, got ",
                         core::base::QuoteExcerpt(v.ToEdn())));
      mop->list_begin = static_cast<uint32_t>(out_->pool.size());
      for (const Value& element : v.items()) {
        if (!element.is_int())
          return Error(Cat("list elements must be integers, got ",
                           core::base::QuoteExcerpt(element.ToEdn())));
        out_->pool.push_back(element.int_value());
      }
      mop->list_size = static_cast<uint32_t>(v.items().size());
      return absl::OkStatus();
    }
    const bool write = f == "w" || f == "write";
    if ((list_append && f != "append") || (!list_append && !write)) {
      return Error(Cat("unknown micro-op ",
                       core::base::QuoteExcerpt(Cat(":", f)), " for ",
                       list_append ? "list-append (expected :append or :r)"
                                   : "rw-register (expected :w or :r)"));
    }
    if (!v.is_int())
      return Error(Cat("written values must be integers, got ",
                       core::base::QuoteExcerpt(v.ToEdn())));
    mop->kind = list_append ? Mop::Kind::kAppend : Mop::Kind::kWrite;
    mop->value = v.int_value();
    return absl::OkStatus();
  }

  const history::History& history_;
  Workload workload_;
  TxnHistory* out_;
  size_t where_ = 0;  // the transaction being read, for errors
  std::unordered_map<Value, int32_t, history::ValueHash> keys_;
};

}  // namespace

absl::StatusOr<TxnHistory> ExtractTxns(const history::History& history,
                                       Workload workload) {
  absl::StatusOr<std::vector<Operation>> operations =
      history::PairOperations(history);
  if (!operations.ok()) return operations.status();
  TxnHistory out;
  Extractor extractor(history, workload, &out);
  for (const Operation& op : *operations) {
    if (op.f() != "txn") continue;  // e.g. nemesis or setup ops
    absl::Status status = extractor.Add(op);
    if (!status.ok()) return status;
  }
  if (out.txns.empty() && !operations->empty()) {
    return absl::InvalidArgumentError(
        Cat(history::DescribeOpPosition(history, (*operations)[0].invoke),
            ": no :txn operations in this history (is it transactional? use a "
            "linearizability model otherwise)"));
  }
  return out;
}

std::string TxnName(const Txn& txn) { return Cat("T", txn.position()); }

std::string DescribeTxn(const history::History& history, const Txn& txn) {
  const history::Op& op = history.ops[txn.position()];
  return Cat(TxnName(txn), " (process ", txn.process, ", ",
             history::DescribeOpPosition(history, txn.position()),
             ", :", history::OpTypeName(op.type), ") ", op.value.ToEdn());
}

}  // namespace jepsen::elle::internal
