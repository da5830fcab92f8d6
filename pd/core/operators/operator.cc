#include "pd/core/operators/operator.h"

#include <sstream>

#include "core/base/check.h"

namespace pd::operators {

std::string OpKindsToString(uint32_t kinds) {
  static constexpr const char* kNames[] = {
      "leader", "region", "replica", "merge", "split", "hot-region", "admin"};
  std::string out;
  for (size_t i = 0; i < std::size(kAllOpKinds); ++i) {
    if ((kinds & kAllOpKinds[i]) == 0) continue;
    if (!out.empty()) out += ",";
    out += kNames[i];
  }
  return out;
}

std::string_view OpStatusName(OpStatus status) {
  switch (status) {
    case OpStatus::kCreated:
      return "created";
    case OpStatus::kStarted:
      return "started";
    case OpStatus::kSuccess:
      return "success";
    case OpStatus::kCanceled:
      return "canceled";
    case OpStatus::kReplaced:
      return "replaced";
    case OpStatus::kExpired:
      return "expired";
    case OpStatus::kTimeout:
      return "timeout";
  }
  UNREACHABLE();
  return "";
}

Operator::Operator(std::string desc, RegionId region_id, RegionEpoch epoch,
                   uint32_t kinds, std::vector<OpStep> steps, int64_t create_ms)
    : desc_(std::move(desc)),
      region_id_(region_id),
      epoch_(epoch),
      kinds_(kinds),
      steps_(std::move(steps)),
      create_ms_(create_ms),
      step_start_ms_(create_ms) {
  CHECK(!steps_.empty()) << "operator " << desc_ << " has no step";
  CHECK_NE(kinds_, 0u);
}

const OpStep* Operator::Check(const RegionInfo& info, int64_t now_ms) {
  CHECK_EQ(info.region().id, region_id_);
  if (IsEndStatus(status_)) return nullptr;
  while (current_ < steps_.size() && IsFinished(steps_[current_], info)) {
    ++current_;
    step_start_ms_ = now_ms;
  }
  if (current_ == steps_.size()) {
    status_ = OpStatus::kSuccess;
    return nullptr;
  }
  if (!CheckStep(steps_[current_], info).ok()) {
    status_ = OpStatus::kCanceled;
    return nullptr;
  }
  return &steps_[current_];
}

void Operator::MarkStarted(int64_t now_ms) {
  if (status_ == OpStatus::kCreated) {
    status_ = OpStatus::kStarted;
    step_start_ms_ = now_ms;
  }
}

bool Operator::CheckTimeout(int64_t now_ms, const OperatorOptions& options) {
  if (IsEndStatus(status_)) return false;
  if (status_ == OpStatus::kCreated) {
    if (now_ms - create_ms_ > options.expire_ms) {
      status_ = OpStatus::kExpired;
      return true;
    }
    return false;
  }
  const int64_t limit = IsSlowStep(steps_[current_])
                            ? options.slow_step_timeout_ms
                            : options.fast_step_timeout_ms;
  if (now_ms - step_start_ms_ > limit) {
    status_ = OpStatus::kTimeout;
    return true;
  }
  return false;
}

void Operator::End(OpStatus status) {
  CHECK(IsEndStatus(status));
  if (!IsEndStatus(status_)) status_ = status;
}

void Operator::AddInfluence(const RegionInfo& info,
                            Influence& influence) const {
  const int64_t size =
      static_cast<int64_t>(info.heartbeat.approximate_size_bytes);
  for (size_t i = current_; i < steps_.size(); ++i) {
    const OpStep& step = steps_[i];
    if (const auto* s = std::get_if<TransferLeader>(&step)) {
      influence[s->from_store].leader_count -= 1;
      influence[s->to_store].leader_count += 1;
    } else if (const auto* s = std::get_if<AddLearner>(&step)) {
      influence[s->to_store].region_count += 1;
      influence[s->to_store].region_size_bytes += size;
      influence[s->to_store].adding_peers += 1;
    } else if (const auto* s = std::get_if<RemovePeer>(&step)) {
      influence[s->from_store].region_count -= 1;
      influence[s->from_store].region_size_bytes -= size;
      influence[s->from_store].removing_peers += 1;
    } else if (const auto* s = std::get_if<MergeRegion>(&step)) {
      if (!s->is_passive) {
        for (const Peer& peer : s->from_region.peers) {
          influence[peer.store_id].region_count -= 1;
        }
      }
    }
  }
}

std::string Operator::ToString() const {
  std::ostringstream out;
  out << desc_ << " (region " << region_id_ << ", kinds "
      << OpKindsToString(kinds_) << ", " << OpStatusName(status_) << ", step "
      << current_ << "/" << steps_.size() << ")";
  for (size_t i = 0; i < steps_.size(); ++i) {
    out << (i == 0 ? ": " : "; ") << StepToString(steps_[i]);
  }
  return out.str();
}

}  // namespace pd::operators
