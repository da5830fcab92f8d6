// Our JSON-lines history format, written by the simulator and the
// real-cluster tests and read by every checker.
//
// One JSON object per line, one line per event, in the order events happened:
//
//   {"index":0,"type":"invoke","process":3,"f":"cas","key":"k1","value":[1,4],"time":1200}
//   {"index":1,"type":"ok","process":3,"f":"cas","key":"k1","value":[1,4],"time":5300}
//   {"index":2,"type":"invoke","process":1,"f":"txn","value":[["append","x",1],["r","y",null]]}
//   {"index":3,"type":"ok","process":1,"f":"txn","value":[["append","x",1],["r","y",[1,2]]]}
//
// Fields:
//   type     required: "invoke" | "ok" | "fail" | "info" (see history.h for
//   meaning) process  required: integer client id; ops with a non-integer
//   process (e.g.
//            "nemesis") are skipped
//   f        required: function name, e.g. "read", "write", "cas", "get",
//   "put",
//            "append", "acquire", "release", "txn"
//   value    optional (null): the argument on invoke, the result on completion;
//            a CAS is [expected, new]; a read's invoke value is null
//   key      optional: the key of a single-key op on a multi-key store (the
//            linearizability checker partitions on it)
//   time     optional: nanoseconds (simulated or monotonic), display only
//   index    optional: position in the history, display only
//   error    optional: any JSON, why an op failed
// Transactions use f = "txn" and a value that is a list of micro-ops
// [f, key, value] with f in "append" | "r" | "w"; a read's value is null in the
// invocation and the observed list (list-append) or value (rw-register) in
// the completion.
//
// A file may also be one JSON array of such objects (elle-cli style). Blank
// lines are ignored. Errors name the line.
#ifndef JEPSEN_HISTORY_JSON_LINES_H_
#define JEPSEN_HISTORY_JSON_LINES_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "jepsen/history/history.h"

namespace jepsen::history {

// One line, without the trailing newline. Keywords and symbols are written as
// strings; maps with non-name keys as arrays of [key, value] pairs. Strings
// should be UTF-8 (JSON's encoding); invalid bytes are written as U+FFFD.
std::string ToJsonLine(const Op& op);

// Every op, one per line, each ending in '\n'.
std::string ToJsonLines(const History& history);

absl::StatusOr<History> ParseJsonLines(std::string_view text);

}  // namespace jepsen::history

#endif  // JEPSEN_HISTORY_JSON_LINES_H_
