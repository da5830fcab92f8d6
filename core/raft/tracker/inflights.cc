#include "core/raft/tracker/inflights.h"

#include "core/base/check.h"

namespace core::raft::tracker {

Inflights::Inflights(size_t max_count, uint64_t max_bytes)
    : max_count_(max_count), max_bytes_(max_bytes) {
  CHECK_GT(max_count, 0u);
}

void Inflights::Add(Index index, uint64_t bytes) {
  CHECK(!Full()) << "adding to full inflights";
  CHECK(entries_.empty() || entries_.back().index < index)
      << "inflight index " << index << " not increasing";
  entries_.push_back({index, bytes});
  bytes_ += bytes;
}

void Inflights::FreeLE(Index index) {
  size_t freed = 0;
  while (freed < entries_.size() && entries_[freed].index <= index) {
    bytes_ -= entries_[freed].bytes;
    ++freed;
  }
  entries_.erase(entries_.begin(), entries_.begin() + freed);
}

void Inflights::Reset() {
  entries_.clear();
  bytes_ = 0;
}

bool Inflights::Full() const {
  return entries_.size() >= max_count_ ||
         (max_bytes_ != 0 && bytes_ >= max_bytes_);
}

}  // namespace core::raft::tracker
