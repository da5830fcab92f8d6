#include "store/raftstore/region_snapshot.h"

#include <string>
#include <utility>

#include "core/base/check.h"
#include "store/raftstore/keys.h"

namespace store::raftstore {
namespace {

using core::env::Cf;

class RegionIterator final : public core::env::Iterator {
 public:
  explicit RegionIterator(std::unique_ptr<core::env::Iterator> inner)
      : inner_(std::move(inner)) {}

  bool Valid() const override { return inner_->Valid(); }
  void SeekToFirst() override { inner_->SeekToFirst(); }
  void SeekToLast() override { inner_->SeekToLast(); }
  void Seek(std::string_view target) override { inner_->Seek(DataKey(target)); }
  void SeekForPrev(std::string_view target) override {
    inner_->SeekForPrev(DataKey(target));
  }
  void Next() override { inner_->Next(); }
  void Prev() override { inner_->Prev(); }
  std::string_view key() const override {
    std::optional<std::string_view> origin = OriginKey(inner_->key());
    CHECK(origin.has_value()) << "a region iterator left the data key space";
    return *origin;
  }
  std::string_view value() const override { return inner_->value(); }
  absl::Status status() const override { return inner_->status(); }

 private:
  std::unique_ptr<core::env::Iterator> inner_;
};

class RegionSnapshotView final : public core::env::Snapshot {
 public:
  RegionSnapshotView(std::shared_ptr<const core::env::Snapshot> inner,
                     core::region::Region region)
      : inner_(std::move(inner)), region_(std::move(region)) {}

  absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, std::string_view key) const override {
    if (!region_.ContainsKey(key)) return std::nullopt;
    return inner_->Get(cf, DataKey(key));
  }

  std::unique_ptr<core::env::Iterator> NewIterator(
      Cf cf, const core::env::IteratorOptions& options) const override {
    std::string lower = DataKey(region_.start_key);
    if (options.lower_bound.has_value()) {
      lower = std::max(lower, DataKey(*options.lower_bound));
    }
    std::string upper = DataEndKey(region_.end_key);
    if (options.upper_bound.has_value()) {
      upper = std::min(upper, DataKey(*options.upper_bound));
    }
    core::env::IteratorOptions bounds = options;
    bounds.lower_bound = std::move(lower);
    bounds.upper_bound = std::max(*bounds.lower_bound, upper);
    return std::make_unique<RegionIterator>(inner_->NewIterator(cf, bounds));
  }

 private:
  std::shared_ptr<const core::env::Snapshot> inner_;
  core::region::Region region_;
};

}  // namespace

std::shared_ptr<const core::env::Snapshot> NewRegionSnapshot(
    std::shared_ptr<const core::env::Snapshot> engine_snapshot,
    const core::region::Region& region) {
  return std::make_shared<RegionSnapshotView>(std::move(engine_snapshot),
                                              region);
}

}  // namespace store::raftstore
