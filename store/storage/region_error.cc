#include "store/storage/region_error.h"

#include <sstream>

namespace store::storage {
namespace {

using core::base::EscapeBytes;

struct Describe {
  std::ostringstream& out;

  void operator()(const NotLeader& e) {
    out << "NotLeader{region " << e.region_id;
    if (e.leader.has_value()) out << ", leader " << *e.leader;
    out << "}";
  }
  void operator()(const RegionNotFound& e) {
    out << "RegionNotFound{region " << e.region_id << "}";
  }
  void operator()(const KeyNotInRegion& e) {
    out << "KeyNotInRegion{key \"" << EscapeBytes(e.key) << "\", region "
        << e.region_id << " [\"" << EscapeBytes(e.start_key) << "\", \""
        << EscapeBytes(e.end_key) << "\")}";
  }
  void operator()(const EpochNotMatch& e) {
    out << "EpochNotMatch{current regions:";
    for (const Region& region : e.current_regions) out << " " << region;
    out << "}";
  }
  void operator()(const StaleCommand&) { out << "StaleCommand{}"; }
  void operator()(const ServerIsBusy& e) {
    out << "ServerIsBusy{" << e.reason << ", backoff " << e.backoff_ms
        << " ms}";
  }
  void operator()(const StoreNotMatch& e) {
    out << "StoreNotMatch{request store " << e.request_store_id
        << ", actual store " << e.actual_store_id << "}";
  }
  void operator()(const MismatchPeerId& e) {
    out << "MismatchPeerId{request peer " << e.request_peer_id
        << ", store peer " << e.store_peer_id << "}";
  }
  void operator()(const RaftEntryTooLarge& e) {
    out << "RaftEntryTooLarge{region " << e.region_id << ", " << e.entry_size
        << " bytes}";
  }
  void operator()(const MaxTimestampNotSynced&) {
    out << "MaxTimestampNotSynced{}";
  }
};

}  // namespace

std::string RegionErrorToString(const RegionError& error) {
  std::ostringstream out;
  std::visit(Describe{out}, error);
  return out.str();
}

std::optional<KeyNotInRegion> CheckKeyInRegion(const Region& region,
                                               core::base::BytesView key) {
  if (region.ContainsKey(key)) return std::nullopt;
  return KeyNotInRegion{core::base::Bytes(key), region.id, region.start_key,
                        region.end_key};
}

}  // namespace store::storage
