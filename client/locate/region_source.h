// The two seams of the region cache and the request sender: where regions
// and stores come from (PD), and how a request reaches a store (gRPC). The
// real ones are PdRegionSource (client/pd's PdClient) and RpcStoreTransport
// (rpc::Channel per store address); unit tests script both.
//
// Thread-affinity: fibres of one executor.
#ifndef CLIENT_LOCATE_REGION_SOURCE_H_
#define CLIENT_LOCATE_REGION_SOURCE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "client/pd/pd_client.h"
#include "core/base/time.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/env/network.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"
#include "rpc/channel.h"

namespace client::locate {

// PD's region and store answers. A region answer with no `region` means PD
// knows none there (yet).
class RegionSource {
 public:
  virtual ~RegionSource() = default;
  virtual absl::StatusOr<pdpb::GetRegionResponse> GetRegion(
      std::string_view key) = 0;
  // The region before the one holding `key`.
  virtual absl::StatusOr<pdpb::GetRegionResponse> GetPrevRegion(
      std::string_view key) = 0;
  // Regions from start_key to end_key (empty: the end), at most `limit`.
  virtual absl::StatusOr<pdpb::ScanRegionsResponse> ScanRegions(
      std::string_view start_key, std::string_view end_key, int32_t limit) = 0;
  virtual absl::StatusOr<metapb::Store> GetStore(uint64_t store_id) = 0;
  // A region a store named (EpochNotMatch's current_regions) in the key
  // form of this source's answers; an error when its bounds cannot be
  // (the cache then drops the region and asks PD). Keys as they are here;
  // client/txnkv's CodecRegionSource decodes memcomparable bounds.
  virtual absl::Status DecodeRegion(metapb::Region& /*region*/) {
    return absl::OkStatus();
  }
};

// One unary call to a store, on message bytes.
class StoreTransport {
 public:
  virtual ~StoreTransport() = default;
  virtual absl::StatusOr<std::string> Call(const std::string& address,
                                           std::string_view method,
                                           std::string_view request,
                                           core::base::Duration timeout) = 0;
};

// PdClient's calls, each within `timeout` (client-go's PD timeout, 3 s).
class PdRegionSource final : public RegionSource {
 public:
  explicit PdRegionSource(
      pd::PdClient& pd,
      core::base::Duration timeout = core::base::Duration::Seconds(3))
      : pd_(pd), timeout_(timeout) {}
  absl::StatusOr<pdpb::GetRegionResponse> GetRegion(
      std::string_view key) override {
    return pd_.GetRegion(key, Deadline());
  }
  absl::StatusOr<pdpb::GetRegionResponse> GetPrevRegion(
      std::string_view key) override {
    return pd_.GetPrevRegion(key, Deadline());
  }
  absl::StatusOr<pdpb::ScanRegionsResponse> ScanRegions(
      std::string_view start_key, std::string_view end_key,
      int32_t limit) override {
    return pd_.ScanRegions(start_key, end_key, limit, Deadline());
  }
  absl::StatusOr<metapb::Store> GetStore(uint64_t store_id) override {
    return pd_.GetStore(store_id, Deadline());
  }

 private:
  core::base::Instant Deadline() const { return pd_.Now() + timeout_; }
  pd::PdClient& pd_;
  core::base::Duration timeout_;
};

// One rpc::Channel per store address, opened on first use.
class RpcStoreTransport final : public StoreTransport {
 public:
  RpcStoreTransport(core::env::Executor& executor, core::env::Clock& clock,
                    core::env::Network& network,
                    rpc::ChannelOptions channel = {});
  ~RpcStoreTransport() override;
  absl::StatusOr<std::string> Call(const std::string& address,
                                   std::string_view method,
                                   std::string_view request,
                                   core::base::Duration timeout) override;

 private:
  core::env::Executor& executor_;
  core::env::Clock& clock_;
  core::env::Network& network_;
  rpc::ChannelOptions channel_;
  std::map<std::string, std::unique_ptr<rpc::Channel>> channels_;
};

}  // namespace client::locate

#endif  // CLIENT_LOCATE_REGION_SOURCE_H_
