// The simulator's stand-in for gRPC between PD clients and PD members (rpc/
// will replace it): calls and replies as store/transport frames, named by
// gRPC's method paths ("/pdpb.PD/Tso") and carrying the protobuf bytes the
// typed handlers of pd/server take and return. A stream message is a call
// with a stream id; the member feeds one stream's messages, in order, to
// one handler object.
//
// Layout (integers are LEB128 varints; the simulator's own wire, never
// persisted):
//   call:   u8 version(=1) | call_id | stream_id (0: unary) |
//           method (len-prefixed) | payload (len-prefixed)
//   reply:  u8 version(=1) | call_id | u8 status code | message
//           (len-prefixed) | u8 has_payload | payload (len-prefixed)
// Decoders accept arbitrary bytes: garbage is a WireError.
#ifndef SIM_PD_WIRE_H_
#define SIM_PD_WIRE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/base/result.h"

namespace sim::pdsim {

struct CallFrame {
  uint64_t call_id = 0;
  uint64_t stream_id = 0;
  std::string method;
  std::string payload;
};

struct ReplyFrame {
  uint64_t call_id = 0;
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string message;
  // False when a stream message got no answer (a RegionHeartbeat without
  // an operator step).
  bool has_payload = false;
  std::string payload;
};

struct WireError {
  std::string reason;
};

std::string EncodeCall(const CallFrame& call);
core::base::Result<CallFrame, WireError> DecodeCall(std::string_view bytes);
std::string EncodeReply(const ReplyFrame& reply);
core::base::Result<ReplyFrame, WireError> DecodeReply(std::string_view bytes);

}  // namespace sim::pdsim

#endif  // SIM_PD_WIRE_H_
