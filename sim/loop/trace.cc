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
  // Each field through its own odd multiplier, then one mixing round
  // chained on the previous hash: order-sensitive and cheap.
  const uint64_t word =
      static_cast<uint64_t>(record.at.nanoseconds()) * 0x9e3779b97f4a7c15ULL ^
      ((static_cast<uint64_t>(record.process) << 32) |
       static_cast<uint64_t>(record.kind)) *
          0xc2b2ae3d27d4eb4fULL ^
      record.detail * 0x165667b19e3779f9ULL;
  hash_ = Mix(hash_ ^ word);
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
