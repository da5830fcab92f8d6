// Typed one-liners over TikvCluster::Call for the scenarios (test helpers,
// not a client library): each routes by the key's region, retries region
// errors, and returns the last answer.
#ifndef TESTS_SERVER_KV_CLIENT_H_
#define TESTS_SERVER_KV_CLIENT_H_

#include <optional>
#include <string>
#include <vector>

#include "core/mvcc/key.h"
#include "tests/server/tikv_cluster.h"

namespace store::server::testing {

inline std::string Encoded(const std::string& key) {
  return core::mvcc::Key::FromRaw(key).encoded();
}

inline kvrpcpb::RawPutResponse RawPut(TikvCluster& c, const std::string& key,
                                      const std::string& value) {
  kvrpcpb::RawPutRequest request;
  request.set_key(key);
  request.set_value(value);
  auto response = c.Call<kvrpcpb::RawPutRequest, kvrpcpb::RawPutResponse>(
      "/tikvpb.Tikv/RawPut", request, key);
  return response.value_or(kvrpcpb::RawPutResponse());
}

// The value, "<none>" when not found, "<error ...>" on an error.
inline std::string RawGet(TikvCluster& c, const std::string& key) {
  kvrpcpb::RawGetRequest request;
  request.set_key(key);
  auto response = c.Call<kvrpcpb::RawGetRequest, kvrpcpb::RawGetResponse>(
      "/tikvpb.Tikv/RawGet", request, key);
  if (!response.has_value()) return "<no answer>";
  if (response->has_region_error()) {
    return "<region error " + response->region_error().message() + ">";
  }
  if (!response->error().empty()) return "<error " + response->error() + ">";
  return response->not_found() ? "<none>" : response->value();
}

inline kvrpcpb::SplitRegionResponse Split(TikvCluster& c,
                                          const std::string& key,
                                          bool is_raw_kv) {
  kvrpcpb::SplitRegionRequest request;
  request.add_split_keys(key);
  request.set_is_raw_kv(is_raw_kv);
  auto response =
      c.Call<kvrpcpb::SplitRegionRequest, kvrpcpb::SplitRegionResponse>(
          "/tikvpb.Tikv/SplitRegion", request, is_raw_kv ? key : Encoded(key));
  return response.value_or(kvrpcpb::SplitRegionResponse());
}

}  // namespace store::server::testing

#endif  // TESTS_SERVER_KV_CLIENT_H_
