// Raw KV through the scheduler. Ref: tikv src/storage/mod.rs raw_get,
// raw_batch_get, raw_put, raw_batch_put, raw_delete, raw_batch_delete,
// raw_delete_range, raw_scan, raw_get_key_ttl, raw_checksum;
// src/storage/txn/commands/compare_and_swap.rs and atomic_store.rs (raw
// writes under latches, TiKV's atomic mode). The operations themselves are
// core/rawkv's; this file adds latches, the region checks and the seam.
#include <string>
#include <utility>

#include "store/storage/storage.h"
#include "store/storage/storage_internal.h"

namespace store::storage {
namespace {

using core::base::Unit;
using internal::RawErr;

WriteSpec RawWrite(std::vector<Bytes> keys, uint64_t value_bytes) {
  WriteSpec spec;
  spec.key_space = KeySpace::kRaw;
  spec.write_bytes = internal::KeyBytes(keys) + value_bytes;
  spec.keys = std::move(keys);
  return spec;
}

ReadSpec RawRead(std::vector<Bytes> keys) {
  ReadSpec spec;
  spec.key_space = KeySpace::kRaw;
  spec.keys = std::move(keys);
  return spec;
}

std::vector<Bytes> KeysOf(const std::vector<core::rawkv::KvPair>& pairs) {
  std::vector<Bytes> keys;
  keys.reserve(pairs.size());
  for (const auto& pair : pairs) keys.push_back(pair.key);
  return keys;
}

// Bad raw keys are refused before any latch is taken; values and TTLs are
// core/rawkv's to check (under the latches, before anything is written).
std::optional<core::mvcc::InvalidRequest> ValidateRawKeys(
    core::env::Cf cf, const std::vector<Bytes>& keys, size_t max_key_bytes) {
  if (cf == core::env::Cf::kRaft) {
    return core::mvcc::InvalidRequest{"the raft column family is not raw kv's"};
  }
  for (const Bytes& key : keys) {
    if (key.empty()) return core::mvcc::InvalidRequest{"raw key is empty"};
    if (key.size() > max_key_bytes) {
      return core::mvcc::InvalidRequest{
          "raw key of " + std::to_string(key.size()) + " bytes over the " +
          std::to_string(max_key_bytes) + "-byte limit"};
    }
  }
  return std::nullopt;
}

// Runs a raw write step that appends to the batch and returns a status.
template <typename Step>
Outcome RunRawWrite(Scheduler& scheduler, const Context& ctx,
                    const WriteSpec& spec, Step&& step) {
  return scheduler.RunWrite<Unit>(ctx, spec, [&](WriteScope& scope) -> Outcome {
    absl::Status status = step(scope);
    if (!status.ok()) return RawErr(status);
    return Unit{};
  });
}

}  // namespace

Result<RawGetResult> Storage::Execute(const Context& ctx, const RawGet& cmd) {
  Count(CommandKind::kRawGet);
  if (auto bad =
          ValidateRawKeys(cmd.cf, {cmd.key}, raw_.options().max_key_bytes)) {
    return internal::KeyErr(*std::move(bad));
  }
  const uint64_t now = NowUnixSeconds();
  return scheduler_.RunRead<RawGetResult>(
      ctx, RawRead({cmd.key}),
      [&](const RegionSnapshot& snapshot) -> Result<RawGetResult> {
        auto value = raw_.Get(*snapshot.snapshot, cmd.cf, cmd.key, now);
        if (!value.ok()) return RawErr(value.status());
        return RawGetResult{*std::move(value)};
      });
}

Result<RawBatchGetResult> Storage::Execute(const Context& ctx,
                                           const RawBatchGet& cmd) {
  Count(CommandKind::kRawBatchGet);
  if (auto bad =
          ValidateRawKeys(cmd.cf, cmd.keys, raw_.options().max_key_bytes)) {
    return internal::KeyErr(*std::move(bad));
  }
  const uint64_t now = NowUnixSeconds();
  return scheduler_.RunRead<RawBatchGetResult>(
      ctx, RawRead(cmd.keys),
      [&](const RegionSnapshot& snapshot) -> Result<RawBatchGetResult> {
        auto pairs = raw_.BatchGet(*snapshot.snapshot, cmd.cf, cmd.keys, now);
        if (!pairs.ok()) return RawErr(pairs.status());
        return RawBatchGetResult{*std::move(pairs)};
      });
}

Outcome Storage::Execute(const Context& ctx, const RawPut& cmd) {
  Count(CommandKind::kRawPut);
  if (auto bad =
          ValidateRawKeys(cmd.cf, {cmd.key}, raw_.options().max_key_bytes)) {
    return internal::KeyErr(*std::move(bad));
  }
  const uint64_t now = NowUnixSeconds();
  core::rawkv::PutRequest request;
  request.cf = cmd.cf;
  request.key = cmd.key;
  request.value = cmd.value;
  request.ttl_seconds = cmd.ttl_seconds;
  return RunRawWrite(scheduler_, ctx, RawWrite({cmd.key}, cmd.value.size()),
                     [&](WriteScope& scope) {
                       return raw_.Put(request, now, &scope.batch());
                     });
}

Outcome Storage::Execute(const Context& ctx, const RawBatchPut& cmd) {
  Count(CommandKind::kRawBatchPut);
  if (auto bad = ValidateRawKeys(cmd.cf, KeysOf(cmd.pairs),
                                 raw_.options().max_key_bytes)) {
    return internal::KeyErr(*std::move(bad));
  }
  const uint64_t now = NowUnixSeconds();
  uint64_t value_bytes = 0;
  for (const auto& pair : cmd.pairs) value_bytes += pair.value.size();
  return RunRawWrite(scheduler_, ctx, RawWrite(KeysOf(cmd.pairs), value_bytes),
                     [&](WriteScope& scope) {
                       return raw_.BatchPut(cmd.cf, cmd.pairs, cmd.ttls_seconds,
                                            now, &scope.batch());
                     });
}

Outcome Storage::Execute(const Context& ctx, const RawDelete& cmd) {
  Count(CommandKind::kRawDelete);
  if (auto bad =
          ValidateRawKeys(cmd.cf, {cmd.key}, raw_.options().max_key_bytes)) {
    return internal::KeyErr(*std::move(bad));
  }
  return RunRawWrite(scheduler_, ctx, RawWrite({cmd.key}, 0),
                     [&](WriteScope& scope) {
                       return raw_.Delete(cmd.cf, cmd.key, &scope.batch());
                     });
}

Outcome Storage::Execute(const Context& ctx, const RawBatchDelete& cmd) {
  Count(CommandKind::kRawBatchDelete);
  if (auto bad =
          ValidateRawKeys(cmd.cf, cmd.keys, raw_.options().max_key_bytes)) {
    return internal::KeyErr(*std::move(bad));
  }
  return RunRawWrite(
      scheduler_, ctx, RawWrite(cmd.keys, 0), [&](WriteScope& scope) {
        return raw_.BatchDelete(cmd.cf, cmd.keys, &scope.batch());
      });
}

Outcome Storage::Execute(const Context& ctx, const RawDeleteRange& cmd) {
  Count(CommandKind::kRawDeleteRange);
  WriteSpec spec;
  spec.key_space = KeySpace::kRaw;
  spec.range = KeyRange{cmd.start_key, cmd.end_key};
  return RunRawWrite(scheduler_, ctx, spec, [&](WriteScope& scope) {
    return raw_.DeleteRange(cmd.cf, cmd.start_key, cmd.end_key, &scope.batch());
  });
}

Result<RawScanResult> Storage::Execute(const Context& ctx, const RawScan& cmd) {
  Count(CommandKind::kRawScan);
  const uint64_t now = NowUnixSeconds();
  return scheduler_.RunRead<RawScanResult>(
      ctx, RawRead({}),
      [&](const RegionSnapshot& snapshot) -> Result<RawScanResult> {
        auto range =
            ScanRangeInRegion(snapshot.region, cmd.start_key, cmd.end_key,
                              cmd.reverse, KeySpace::kRaw);
        if (!range.ok()) return core::base::MakeErr(std::move(range).error());
        core::rawkv::ScanRequest request;
        request.cf = cmd.cf;
        // core/rawkv's reverse scan runs from start_key down to end_key.
        request.start_key = cmd.reverse ? range->end_key : range->start_key;
        request.end_key = cmd.reverse ? range->start_key : range->end_key;
        request.limit = cmd.limit;
        request.key_only = cmd.key_only;
        request.reverse = cmd.reverse;
        auto pairs = raw_.Scan(*snapshot.snapshot, request, now);
        if (!pairs.ok()) return RawErr(pairs.status());
        return RawScanResult{*std::move(pairs)};
      });
}

Result<RawCompareAndSwapResult> Storage::Execute(const Context& ctx,
                                                 const RawCompareAndSwap& cmd) {
  Count(CommandKind::kRawCompareAndSwap);
  if (auto bad =
          ValidateRawKeys(cmd.cf, {cmd.key}, raw_.options().max_key_bytes)) {
    return internal::KeyErr(*std::move(bad));
  }
  const uint64_t now = NowUnixSeconds();
  core::rawkv::CasRequest request;
  request.cf = cmd.cf;
  request.key = cmd.key;
  request.expected = cmd.previous_value;
  request.new_value = cmd.value;
  request.ttl_seconds = cmd.ttl_seconds;
  using ResultT = RawCompareAndSwapResult;
  return scheduler_.RunWrite<ResultT>(
      ctx, RawWrite({cmd.key}, cmd.value.value_or("").size()),
      [&](WriteScope& scope) -> Result<ResultT> {
        auto swapped = raw_.CompareAndSwap(*scope.snapshot().snapshot, request,
                                           now, &scope.batch());
        if (!swapped.ok()) return RawErr(swapped.status());
        return ResultT{swapped->succeeded, std::move(swapped->previous_value)};
      });
}

Result<RawGetKeyTtlResult> Storage::Execute(const Context& ctx,
                                            const RawGetKeyTtl& cmd) {
  Count(CommandKind::kRawGetKeyTtl);
  if (auto bad =
          ValidateRawKeys(cmd.cf, {cmd.key}, raw_.options().max_key_bytes)) {
    return internal::KeyErr(*std::move(bad));
  }
  const uint64_t now = NowUnixSeconds();
  return scheduler_.RunRead<RawGetKeyTtlResult>(
      ctx, RawRead({cmd.key}),
      [&](const RegionSnapshot& snapshot) -> Result<RawGetKeyTtlResult> {
        auto ttl = raw_.GetKeyTtl(*snapshot.snapshot, cmd.cf, cmd.key, now);
        if (!ttl.ok()) return RawErr(ttl.status());
        return RawGetKeyTtlResult{*ttl};
      });
}

Result<RawChecksumResult> Storage::Execute(const Context& ctx,
                                           const RawChecksum& cmd) {
  Count(CommandKind::kRawChecksum);
  const uint64_t now = NowUnixSeconds();
  return scheduler_.RunRead<RawChecksumResult>(
      ctx, RawRead({}),
      [&](const RegionSnapshot& snapshot) -> Result<RawChecksumResult> {
        std::vector<core::rawkv::KeyRange> ranges;
        for (const core::rawkv::KeyRange& range : cmd.ranges) {
          auto bounded =
              ScanRangeInRegion(snapshot.region, range.start_key, range.end_key,
                                /*reverse=*/false, KeySpace::kRaw);
          if (!bounded.ok()) {
            return core::base::MakeErr(std::move(bounded).error());
          }
          ranges.push_back(std::move(bounded).value());
        }
        auto sum = raw_.Checksum(*snapshot.snapshot, core::env::Cf::kDefault,
                                 ranges, now);
        if (!sum.ok()) return RawErr(sum.status());
        return *sum;
      });
}

}  // namespace store::storage
