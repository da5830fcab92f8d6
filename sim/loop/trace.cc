#include "sim/loop/trace.h"

namespace sim {
namespace {

// The splitmix64 finaliser: a bijective 64-bit mixer.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void TraceHash::Fold(const TraceRecord& record) {
  const uint64_t words[] = {static_cast<uint64_t>(record.at.nanoseconds()),
                            (static_cast<uint64_t>(record.process) << 32) |
                                static_cast<uint64_t>(record.kind),
                            record.detail};
  for (uint64_t word : words)
    hash_ = Mix(hash_ ^ Mix(word + 0x9e3779b97f4a7c15ULL));
  ++records_;
}

std::ostream& operator<<(std::ostream& out, const TraceRecord& record) {
  out << record.at << " p=";
  if (record.process == kNoProcess) {
    out << "-";
  } else {
    out << record.process;
  }
  return out << " kind=" << static_cast<uint32_t>(record.kind)
             << " detail=" << record.detail;
}

}  // namespace sim
