// The region model shared by the store and PD: a region is a contiguous key
// range [start_key, end_key) replicated by a Raft group whose members are
// `peers`, one per store. An empty end_key means +infinity; an empty start_key
// means -infinity.
//
// Ref: TiKV metapb.proto (Region, RegionEpoch, Peer, PeerRole);
// reference/tikv.md §3.
//
// Every membership change bumps epoch.conf_ver and every split or merge bumps
// epoch.version, so "which of two descriptions of overlapping ranges is newer"
// is decided by comparing epochs. The state transitions live in split_merge.h
// and conf_change.h; this header holds the plain value types and queries.
#ifndef CORE_REGION_REGION_H_
#define CORE_REGION_REGION_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace core::region {

using RegionId = uint64_t;
using PeerId = uint64_t;
using StoreId = uint64_t;

// Ref: metapb.PeerRole. Incoming and demoting voters exist only inside a joint
// configuration (Raft thesis §4.3, TiKV ChangePeerV2).
enum class PeerRole : uint8_t {
  kVoter,
  kLearner,
  kIncomingVoter,  // voter in the incoming config only
  kDemotingVoter,  // voter in the outgoing config only; learner afterwards
};

std::string_view PeerRoleName(PeerRole role);

// True when the peer votes in the incoming (new) configuration.
inline bool VotesInIncoming(PeerRole role) {
  return role == PeerRole::kVoter || role == PeerRole::kIncomingVoter;
}
// True when the peer votes in the outgoing (old) configuration. Outside a joint
// state the outgoing configuration is empty; see Region::InJointState.
inline bool VotesInOutgoing(PeerRole role) {
  return role == PeerRole::kVoter || role == PeerRole::kDemotingVoter;
}

struct Peer {
  PeerId id = 0;
  StoreId store_id = 0;
  PeerRole role = PeerRole::kVoter;

  bool operator==(const Peer&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Peer& peer);

struct RegionEpoch {
  // Bumped by every membership change.
  uint64_t conf_ver = 0;
  // Bumped by every split and merge.
  uint64_t version = 0;

  bool operator==(const RegionEpoch&) const = default;

  // True when this epoch is older than `other` in either component: a
  // heartbeat or request carrying it describes an outdated region.
  bool IsStaleComparedTo(const RegionEpoch& other) const {
    return conf_ver < other.conf_ver || version < other.version;
  }
};

std::ostream& operator<<(std::ostream& out, const RegionEpoch& epoch);

struct Region {
  RegionId id = 0;
  base::Bytes start_key;  // inclusive; empty = -inf
  base::Bytes end_key;    // exclusive; empty = +inf
  RegionEpoch epoch;
  std::vector<Peer> peers;

  bool operator==(const Region&) const = default;

  bool ContainsKey(base::BytesView key) const;
  // nullptr when absent. The pointer is invalidated by any change to peers.
  const Peer* FindPeer(PeerId peer_id) const;
  const Peer* FindPeerOnStore(StoreId store_id) const;
  // True when some peer is an incoming or demoting voter.
  bool InJointState() const;
  // Peers that vote in the incoming configuration (the only configuration
  // outside a joint state), in peer order.
  std::vector<Peer> IncomingVoters() const;
  // Peers that vote in the outgoing configuration; empty outside a joint state.
  std::vector<Peer> OutgoingVoters() const;
  std::vector<StoreId> StoreIds() const;
};

std::ostream& operator<<(std::ostream& out, const Region& region);

// Compares two end keys where empty means +inf. Returns <0, 0 or >0.
int CompareEndKeys(base::BytesView a, base::BytesView b);
// True when [start, end) contains key (end empty = +inf).
bool KeyInRange(base::BytesView key, base::BytesView start_key,
                base::BytesView end_key);
// True when the two ranges share at least one key.
bool RangesOverlap(base::BytesView a_start, base::BytesView a_end,
                   base::BytesView b_start, base::BytesView b_end);

// ---------------------------------------------------------------------------
// Errors. Each carries the data a caller needs to react; ToString() is for
// logs and RPC error messages.

// The request was built against another epoch (Ref: errorpb.EpochNotMatch).
struct EpochNotMatch {
  RegionId region_id = 0;
  RegionEpoch current;
  RegionEpoch requested;
  std::string ToString() const;
};

// A malformed region description (bad range, duplicate peer, zero id, ...).
struct InvalidRegion {
  std::string reason;
  std::string ToString() const { return "invalid region: " + reason; }
};

// Formats any variant of the error structs above and in sibling headers.
template <typename... Errors>
std::string ErrorToString(const std::variant<Errors...>& error) {
  return std::visit([](const auto& e) { return e.ToString(); }, error);
}

// Checks the structural invariants of a region: non-zero id, start < end
// (unless end is +inf), non-zero and unique peer ids and store ids, and at
// least one voter in the incoming configuration.
base::Outcome<InvalidRegion> Validate(const Region& region);

// Which epoch components a command checks (Ref: TiKV raftstore
// util.rs AdminCmdEpochState).
struct EpochCheck {
  bool check_conf_ver = true;
  bool check_version = true;
};

base::Outcome<EpochNotMatch> CheckEpoch(const Region& region,
                                        const RegionEpoch& requested,
                                        EpochCheck check);

}  // namespace core::region

#endif  // CORE_REGION_REGION_H_
