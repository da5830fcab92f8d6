#include "sim/runner/result_line.h"

#include <cstdlib>
#include <sstream>

namespace sim::runner {
namespace {

constexpr std::string_view kPrefix = "RESULT ";

// The value of `key=` in `line` up to the next space ("" when absent).
std::string Field(std::string_view line, std::string_view key) {
  const std::string needle = " " + std::string(key) + "=";
  const size_t at = line.find(needle);
  if (at == std::string_view::npos) return "";
  const size_t begin = at + needle.size();
  const size_t end = line.find(' ', begin);
  return std::string(line.substr(begin, end == std::string_view::npos
                                            ? std::string_view::npos
                                            : end - begin));
}

}  // namespace

std::string FormatResultLine(const ResultLine& line) {
  std::ostringstream out;
  std::string detail = line.detail;
  for (char& c : detail) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  out << kPrefix << "seed=" << line.seed << " verdict=" << line.verdict
      << " trace_hash=" << std::hex << line.trace_hash << std::dec
      << " simulated_ns=" << line.simulated_ns << " events=" << line.events
      << " invariant=" << (line.invariant.empty() ? "-" : line.invariant)
      << " detail=" << detail;
  return out.str();
}

std::optional<ResultLine> FindResultLine(std::string_view output) {
  size_t at = output.find(kPrefix);
  while (at != std::string_view::npos && at != 0 && output[at - 1] != '\n') {
    at = output.find(kPrefix, at + 1);
  }
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view line = output.substr(at);
  line = line.substr(0, line.find('\n'));
  const std::string with_space = " " + std::string(line.substr(kPrefix.size()));
  ResultLine r;
  const std::string seed = Field(with_space, "seed");
  r.verdict = Field(with_space, "verdict");
  if (seed.empty() || r.verdict.empty()) return std::nullopt;
  r.seed = std::strtoull(seed.c_str(), nullptr, 10);
  r.trace_hash =
      std::strtoull(Field(with_space, "trace_hash").c_str(), nullptr, 16);
  r.simulated_ns =
      std::strtoll(Field(with_space, "simulated_ns").c_str(), nullptr, 10);
  r.events = std::strtoull(Field(with_space, "events").c_str(), nullptr, 10);
  r.invariant = Field(with_space, "invariant");
  const size_t detail = with_space.find(" detail=");
  if (detail != std::string::npos) r.detail = with_space.substr(detail + 8);
  return r;
}

}  // namespace sim::runner
