// Compact binary encoding of Raft messages and membership changes.
//
// The simulator and the runtime send messages as datagrams, so Decode* must
// accept arbitrary bytes: malformed, truncated or trailing input yields a
// DecodeError naming the problem, never a crash or a partial value.
//
// Layout (all integers LEB128 varints unless noted; DO NOT CHANGE: this is the
// wire format):
//   Message:  u8 version(=1) | u8 type | to | from | term | log_term | index |
//             commit | reject_hint | u8 flags(bit0 reject, bit1 snapshot) |
//             context(len-prefixed) | n_entries | entries... | [snapshot]
//   Entry:    term | index | u8 type | data(len-prefixed)
//   Snapshot: index | term | ConfState | data(len-prefixed)
//   ConfState: 4 id lists (count | ids...) voters, outgoing, learners,
//             learners_next | u8 auto_leave
//   ConfChange: u8 version(=1) | u8 transition | n | (u8 type | node_id)... |
//             context(len-prefixed)
#ifndef CORE_RAFT_CODEC_H_
#define CORE_RAFT_CODEC_H_

#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/raft/types.h"

namespace core::raft {

struct DecodeError {
  std::string reason;
};

std::string EncodeMessage(const Message& message);
core::base::Result<Message, DecodeError> DecodeMessage(std::string_view bytes);

std::string EncodeConfChange(const ConfChange& change);
core::base::Result<ConfChange, DecodeError> DecodeConfChange(
    std::string_view bytes);

}  // namespace core::raft

#endif  // CORE_RAFT_CODEC_H_
