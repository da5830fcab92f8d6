// ctl's output: each answer as human text (one line per item) or, with
// --json, one JSON document. Keys and values are bytes: the human form
// escapes bytes outside printable ASCII as \xNN; JSON strings carry each
// byte as one character (bytes >= 0x80 as \u0080..\u00ff), so a script
// gets the exact bytes back by mapping characters to bytes.
#ifndef RUNTIME_BIN_CTL_OUTPUT_H_
#define RUNTIME_BIN_CTL_OUTPUT_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "client/rawkv/raw_client.h"
#include "core/base/timestamp.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace runtime::bin {

// `bytes` as printable ASCII, other bytes as \xNN (and \\ for \).
std::string EscapeBytes(std::string_view bytes);
// `bytes` as a JSON string literal, quotes included.
std::string JsonString(std::string_view bytes);

class Output {
 public:
  Output(bool json, std::ostream& out) : json_(json), out_(out) {}

  void Stores(const std::vector<metapb::Store>& stores);
  void Regions(const pdpb::ScanRegionsResponse& regions);
  void Region(const pdpb::GetRegionResponse& region);
  void Pairs(const std::vector<client::rawkv::KvPair>& pairs);
  void Value(const std::string& key, const std::optional<std::string>& value);
  void Done(const std::string& what, const std::string& key);
  void Timestamp(core::base::TimeStamp ts);
  void SafePoint(uint64_t safe_point);

 private:
  std::string RegionJson(const metapb::Region& region,
                         const metapb::Peer& leader) const;
  std::string RegionText(const metapb::Region& region,
                         const metapb::Peer& leader) const;

  bool json_;
  std::ostream& out_;
};

}  // namespace runtime::bin

#endif  // RUNTIME_BIN_CTL_OUTPUT_H_
