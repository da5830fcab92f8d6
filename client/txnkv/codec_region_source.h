// CodecRegionSource: a RegionSource whose keys are transactional user keys
// while PD's and the stores' region bounds are their memcomparable
// encodings (client-go's CodecPDClient, tikv/region_cache codec): keys are
// encoded before they are asked about, and the bounds of every region that
// comes back (from PD, or a store's EpochNotMatch) are decoded. A bound
// that is not an encoded key (a split at a raw key) fails the lookup.
//
// Thread-affinity: that of the source it wraps.
#ifndef CLIENT_TXNKV_CODEC_REGION_SOURCE_H_
#define CLIENT_TXNKV_CODEC_REGION_SOURCE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/locate/region_source.h"

namespace client::txnkv {

// The memcomparable encoding of a user key; empty stays empty (the start or
// the end of the key space).
std::string EncodeRegionKey(std::string_view key);
absl::StatusOr<std::string> DecodeRegionKey(std::string_view encoded);

class CodecRegionSource final : public locate::RegionSource {
 public:
  explicit CodecRegionSource(locate::RegionSource& inner) : inner_(inner) {}
  absl::StatusOr<pdpb::GetRegionResponse> GetRegion(
      std::string_view key) override;
  absl::StatusOr<pdpb::GetRegionResponse> GetPrevRegion(
      std::string_view key) override;
  absl::StatusOr<pdpb::ScanRegionsResponse> ScanRegions(
      std::string_view start_key, std::string_view end_key,
      int32_t limit) override;
  absl::StatusOr<metapb::Store> GetStore(uint64_t store_id) override {
    return inner_.GetStore(store_id);
  }
  absl::Status DecodeRegion(metapb::Region& region) override;

 private:
  absl::StatusOr<pdpb::GetRegionResponse> Decoded(
      absl::StatusOr<pdpb::GetRegionResponse> response);

  locate::RegionSource& inner_;
};

}  // namespace client::txnkv

#endif  // CLIENT_TXNKV_CODEC_REGION_SOURCE_H_
