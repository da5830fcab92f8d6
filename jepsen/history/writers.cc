#include "jepsen/history/writers.h"

#include "jepsen/history/cat.h"
#include "jepsen/history/json_lines.h"

namespace jepsen::history {

std::string ToEdnOpMap(const Op& op) {
  std::string out =
      Cat("{:type :", OpTypeName(op.type), ", :f ",
          Value::Keyword(op.f).ToEdn(), ", :process ", op.process);
  if (op.key.has_value()) out += Cat(", :key ", op.key->ToEdn());
  out += Cat(", :value ", op.value.ToEdn());
  if (op.time_ns >= 0) out += Cat(", :time ", op.time_ns);
  if (op.index >= 0) out += Cat(", :index ", op.index);
  if (!op.error.is_nil()) out += Cat(", :error ", op.error.ToEdn());
  return out + "}";
}

std::string ToJepsenLogLine(const Op& op) {
  return Cat("INFO  jepsen.util - ", op.process, "\t:", OpTypeName(op.type),
             "\t", Value::Keyword(op.f).ToEdn(), "\t", op.value.ToEdn());
}

std::string WriteHistory(const History& history, Format format) {
  std::string out;
  switch (format) {
    case Format::kEdn:
      out = "[";
      for (size_t i = 0; i < history.ops.size(); ++i) {
        out += Cat(i == 0 ? "" : "\n ", ToEdnOpMap(history.ops[i]));
      }
      return out + "]\n";
    case Format::kJepsenLog:
      for (const Op& op : history.ops) out += ToJepsenLogLine(op) + "\n";
      return out;
    case Format::kAuto:
    case Format::kJsonLines:
      return ToJsonLines(history);
  }
  return out;
}

}  // namespace jepsen::history
