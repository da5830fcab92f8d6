// Writers for the EDN and Jepsen-logger formats (JSON lines: json_lines.h).
// Whatever these write, readers.h reads back to the same ops.
#ifndef JEPSEN_HISTORY_WRITERS_H_
#define JEPSEN_HISTORY_WRITERS_H_

#include <string>

#include "jepsen/history/history.h"
#include "jepsen/history/readers.h"

namespace jepsen::history {

// {:type :invoke, :f :cas, :process 3, :value [1 4], :key "k", :time 12, :index
// 0}
// (:key, :time, :index and :error only when present). Function names are
// written as keywords.
std::string ToEdnOpMap(const Op& op);

// `INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]` (no :key, :time or :index: the
// logger format has no place for them).
std::string ToJepsenLogLine(const Op& op);

// Every op in `format` (kAuto means JSON lines), one per line; EDN is
// written as one vector with one map per line.
std::string WriteHistory(const History& history, Format format);

}  // namespace jepsen::history

#endif  // JEPSEN_HISTORY_WRITERS_H_
