// The commands PD members replicate: what the PD leader proposes to its Raft
// group and every member applies to its PdState (pd_state.h). Everything
// PD must not lose across a leader change goes through one of these: the
// cluster id, bootstrap, stores, region metadata, the TSO window's upper
// bound, the end of the ID window, GC and service safe points, and the etcd
// key space.
//
// A command carries the ProposalId of its proposer, so that the member
// waiting for it can find its waiter when the entry is applied (on every
// member; only the proposer cares).
//
// Time inside a command (`now_ms`) is the proposing leader's clock, read
// once when it proposed: applying is deterministic on every member.
//
// Layout (integers are LEB128 varints, signed ones cast to uint64; messages
// are length-prefixed protobuf bytes; DO NOT CHANGE: Raft entries are
// persisted):
//   command:  u8 version(=1) | u8 kind | nonce | seq | body
//   body by kind:
//     1 SetClusterId            cluster_id
//     2 BootstrapCluster        metapb.Store | metapb.Region
//     3 PutStore                metapb.Store
//     4 PutRegion               metapb.Region
//     5 SaveTsoBound            bound_ms
//     6 SaveIdEnd               end
//     7 UpdateGcSafePoint       safe_point | now_ms
//     8 UpdateServiceSafePoint  service_id (len-prefixed) | safe_point |
//                               ttl_seconds | now_ms
//     9 EtcdPut                 key | value (both len-prefixed)
//    10 EtcdDeleteRange         key | range_end (both len-prefixed)
//    11 SetStoreState           store_id | u8 metapb.StoreState
//
// The decoder accepts arbitrary bytes: garbage is a CommandDecodeError,
// never a crash.
#ifndef PD_SERVER_COMMAND_H_
#define PD_SERVER_COMMAND_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/base/result.h"
#include "proto/metapb.pb.h"

namespace pd::server {

// Identifies a proposal: `nonce` is drawn by the member at boot (so two
// incarnations never collide), `seq` counts its proposals.
struct ProposalId {
  uint64_t nonce = 0;
  uint64_t seq = 0;
  bool operator==(const ProposalId&) const = default;
};

// The first leader draws the cluster id; applying keeps the first one.
struct SetClusterId {
  uint64_t cluster_id = 0;
};
// The first store and region (Ref: pdpb.BootstrapRequest); refused when
// the cluster is already bootstrapped.
struct BootstrapCluster {
  metapb::Store store;
  metapb::Region region;
};
// Registers a store or updates its address, labels and versions; an
// existing store keeps its state (Ref: PD RaftCluster.PutStore).
struct PutStore {
  metapb::Store store;
};
// The scheduler's state changes: Offline (being removed), Tombstone (all
// its replicas are gone). A tombstone never comes back.
struct SetStoreState {
  uint64_t store_id = 0;
  metapb::StoreState state = metapb::Up;
};
// Region metadata as PD last accepted it from a heartbeat; overlapping
// regions it supersedes are dropped, a stale one is ignored.
struct PutRegion {
  metapb::Region region;
};
// The TSO window's upper bound (Ref: PD tso-save-interval); kept as the
// maximum ever saved.
struct SaveTsoBound {
  int64_t bound_ms = 0;
};
// The end of the ID window (Ref: PD pkg/id); kept as the maximum.
struct SaveIdEnd {
  uint64_t end = 0;
};
struct UpdateGcSafePoint {
  uint64_t safe_point = 0;
  int64_t now_ms = 0;
};
struct UpdateServiceSafePoint {
  std::string service_id;
  uint64_t safe_point = 0;
  int64_t ttl_seconds = 0;  // <= 0 removes the service
  int64_t now_ms = 0;
};
struct EtcdPut {
  std::string key;
  std::string value;
};
// etcd's range convention: empty range_end is the single key, "\0" every
// key from `key` on, otherwise [key, range_end).
struct EtcdDeleteRange {
  std::string key;
  std::string range_end;
};

using CommandBody = std::variant<SetClusterId, BootstrapCluster, PutStore,
                                 PutRegion, SaveTsoBound, SaveIdEnd,
                                 UpdateGcSafePoint, UpdateServiceSafePoint,
                                 EtcdPut, EtcdDeleteRange, SetStoreState>;

struct Command {
  ProposalId id;
  CommandBody body;
};

// For logs and errors: "PutStore", "SaveTsoBound", ...
std::string_view CommandName(const CommandBody& body);

std::string EncodeCommand(const Command& command);

struct CommandDecodeError {
  std::string reason;
  std::string ToString() const { return "bad PD command: " + reason; }
};
core::base::Result<Command, CommandDecodeError> DecodeCommand(
    std::string_view bytes);

}  // namespace pd::server

#endif  // PD_SERVER_COMMAND_H_
