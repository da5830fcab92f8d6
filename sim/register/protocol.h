// The replicated register's wire and log formats: client requests and
// responses (one store/transport frame each, between clients and nodes) and
// the commands a node proposes to Raft. Raft messages travel as frames of
// their own (core/raft/codec.h); a node tells them from requests by the
// sender's identity (the transport's hello), so no tag is needed.
//
// Every decoder accepts arbitrary bytes: malformed input yields a
// ProtocolError naming the problem, never a crash (frames come from the
// network; log entries from storage).
//
// Layout (integers are LEB128 varints; DO NOT CHANGE: entries are persisted):
//   command:   u8 version(=1) | u8 kind | client | seq | key(len-prefixed) |
//              value(zigzag) | expected(zigzag)
//   request:   command (a read is kind kGet)
//   response:  u8 version(=1) | client | seq | u8 outcome | u8 has_value |
//              value(zigzag) | leader_hint
#ifndef SIM_REGISTER_PROTOCOL_H_
#define SIM_REGISTER_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace sim::register_kv {

struct ProtocolError {
  std::string reason;
};

enum class CommandKind : uint8_t {
  kGet = 0,  // linearizable read (ReadIndex), never in the log
  kPut = 1,
  kCas = 2,  // compare-and-swap: value := new iff value == expected
};

// One client operation. (client, seq) identifies it: a client issues its
// seqs in increasing order and retries one seq until it completes, so the
// state machine can apply each at most once. Ref: Raft thesis §6.3.
struct Command {
  CommandKind kind = CommandKind::kGet;
  uint64_t client = 0;
  uint64_t seq = 0;
  std::string key;
  int64_t value = 0;     // kPut: the value; kCas: the new value
  int64_t expected = 0;  // kCas only
  bool operator==(const Command&) const = default;
};

enum class Outcome : uint8_t {
  kOk = 0,           // applied (or read); `value` set for a present key
  kCasFailed = 1,    // applied: the compare failed, nothing changed
  kUnavailable = 2,  // definitely not applied: no leader, proposal dropped
  kHalted = 3,       // the node stopped (storage failure); try another
};
inline constexpr uint8_t kMaxOutcome = 3;

struct Response {
  uint64_t client = 0;
  uint64_t seq = 0;
  Outcome outcome = Outcome::kOk;
  std::optional<int64_t> value;
  uint64_t leader_hint = 0;  // 0 when unknown
  bool operator==(const Response&) const = default;
};

std::string EncodeCommand(const Command& command);
core::base::Result<Command, ProtocolError> DecodeCommand(
    std::string_view bytes);

std::string EncodeResponse(const Response& response);
core::base::Result<Response, ProtocolError> DecodeResponse(
    std::string_view bytes);

std::string_view CommandKindName(CommandKind kind);
std::string_view OutcomeName(Outcome outcome);

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_PROTOCOL_H_
