#include "sim/network/link_faults.h"

#include <algorithm>
#include <sstream>

#include "core/base/check.h"

namespace sim {

using core::base::Instant;

void LinkFaults::Block(ProcessId from, ProcessId to) {
  if (from != to) blocked_.insert({from, to});
}

void LinkFaults::Unblock(ProcessId from, ProcessId to) {
  blocked_.erase({from, to});
}

void LinkFaults::Partition(const Groups& groups) {
  for (size_t i = 0; i < groups.size(); ++i) {
    for (size_t j = 0; j < groups.size(); ++j) {
      if (i == j) continue;
      for (ProcessId a : groups[i]) {
        for (ProcessId b : groups[j]) Block(a, b);
      }
    }
  }
}

void LinkFaults::PartitionOneWay(const std::vector<ProcessId>& from,
                                 const std::vector<ProcessId>& to) {
  for (ProcessId a : from) {
    for (ProcessId b : to) Block(a, b);
  }
}

void LinkFaults::Clog(ProcessId from, ProcessId to, Instant until) {
  if (from == to) return;
  Instant& end = path_clogs_[{from, to}];
  end = std::max(end, until);
}

void LinkFaults::Unclog(ProcessId from, ProcessId to) {
  path_clogs_.erase({from, to});
}

void LinkFaults::ClogProcess(ProcessId process, Instant until) {
  Instant& end = process_clogs_[process];
  end = std::max(end, until);
}

void LinkFaults::UnclogProcess(ProcessId process) {
  process_clogs_.erase(process);
}

void LinkFaults::Heal() {
  blocked_.clear();
  path_clogs_.clear();
  process_clogs_.clear();
}

bool LinkFaults::IsBlocked(ProcessId from, ProcessId to) const {
  return blocked_.count({from, to}) > 0;
}

bool LinkFaults::IsClogged(ProcessId from, ProcessId to, Instant now) const {
  if (from == to) return false;
  auto path = path_clogs_.find({from, to});
  if (path != path_clogs_.end() && path->second > now) return true;
  for (ProcessId p : {from, to}) {
    auto it = process_clogs_.find(p);
    if (it != process_clogs_.end() && it->second > now) return true;
  }
  return false;
}

bool LinkFaults::IsProcessClogged(ProcessId process, Instant now) const {
  auto it = process_clogs_.find(process);
  return it != process_clogs_.end() && it->second > now;
}

Instant LinkFaults::ClogEnd(ProcessId from, ProcessId to) const {
  Instant end;
  auto path = path_clogs_.find({from, to});
  if (path != path_clogs_.end()) end = std::max(end, path->second);
  for (ProcessId p : {from, to}) {
    auto it = process_clogs_.find(p);
    if (it != process_clogs_.end()) end = std::max(end, it->second);
  }
  return end;
}

bool LinkFaults::AnyFault() const {
  return !blocked_.empty() || !path_clogs_.empty() || !process_clogs_.empty();
}

std::string LinkFaults::Describe() const {
  std::ostringstream out;
  out << "blocked={";
  for (const Path& p : blocked_) out << " " << p.first << "->" << p.second;
  out << " } clogged={";
  for (const auto& [p, until] : path_clogs_) {
    out << " " << p.first << "->" << p.second << until;
  }
  for (const auto& [p, until] : process_clogs_)
    out << " " << p << "<->*" << until;
  out << " }";
  return out.str();
}

}  // namespace sim
