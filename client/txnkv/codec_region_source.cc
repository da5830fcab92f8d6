#include "client/txnkv/codec_region_source.h"

#include <utility>

#include "core/base/status_macros.h"
#include "core/mvcc/key.h"

namespace client::txnkv {

std::string EncodeRegionKey(std::string_view key) {
  std::string out;
  if (key.empty()) return out;
  core::mvcc::EncodeBytes(key, &out);
  return out;
}

absl::StatusOr<std::string> DecodeRegionKey(std::string_view encoded) {
  if (encoded.empty()) return std::string();
  core::mvcc::BytesView in = encoded;
  ASSIGN_OR_RETURN(std::string raw, core::mvcc::DecodeBytes(&in));
  // A bound may carry a ts suffix (a split inside one key's versions);
  // the user key is what sorts it.
  return raw;
}

absl::Status CodecRegionSource::DecodeRegion(metapb::Region& region) {
  ASSIGN_OR_RETURN(std::string start, DecodeRegionKey(region.start_key()));
  ASSIGN_OR_RETURN(std::string end, DecodeRegionKey(region.end_key()));
  region.set_start_key(std::move(start));
  region.set_end_key(std::move(end));
  return absl::OkStatus();
}

absl::StatusOr<pdpb::GetRegionResponse> CodecRegionSource::Decoded(
    absl::StatusOr<pdpb::GetRegionResponse> response) {
  if (!response.ok() || !response->has_region()) return response;
  RETURN_IF_ERROR(DecodeRegion(*response->mutable_region()));
  return response;
}

absl::StatusOr<pdpb::GetRegionResponse> CodecRegionSource::GetRegion(
    std::string_view key) {
  return Decoded(inner_.GetRegion(EncodeRegionKey(key)));
}

absl::StatusOr<pdpb::GetRegionResponse> CodecRegionSource::GetPrevRegion(
    std::string_view key) {
  return Decoded(inner_.GetPrevRegion(EncodeRegionKey(key)));
}

absl::StatusOr<pdpb::ScanRegionsResponse> CodecRegionSource::ScanRegions(
    std::string_view start_key, std::string_view end_key, int32_t limit) {
  ASSIGN_OR_RETURN(pdpb::ScanRegionsResponse response,
                   inner_.ScanRegions(EncodeRegionKey(start_key),
                                      EncodeRegionKey(end_key), limit));
  for (pdpb::Region& region : *response.mutable_regions()) {
    RETURN_IF_ERROR(DecodeRegion(*region.mutable_region()));
  }
  return response;
}

}  // namespace client::txnkv
