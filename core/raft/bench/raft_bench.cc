// raft_bench: proposals committed per second through a 3-node in-memory
// loop (real RawNodes, MemoryStorage, the standard Ready driver; no codec,
// no invariant checks), and heap allocations per proposal, counted by the
// replaced global operator new below (this binary only).
//
//   bazel run -c opt //core/raft/bench:raft_bench            # full run
//   bazel run -c opt //core/raft/bench:raft_bench -- --quick # seconds
//
// Two modes are measured in the same run: "serial" (one proposal per
// commit round trip, the latency-bound baseline) and "batched" (many
// proposals per Ready, pipelined), so the batching gain is visible.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "core/base/check.h"
#include "core/raft/testing/node_set.h"

ABSL_FLAG(bool, quick, false, "small run for CI (a few seconds at most)");
ABSL_FLAG(uint64_t, proposals, 200000, "proposals per mode");
ABSL_FLAG(uint64_t, batch, 64, "proposals per round in batched mode");
ABSL_FLAG(uint64_t, payload_bytes, 64, "bytes per proposal");

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace core::raft {
namespace {

class Loop {
 public:
  Loop() : nodes_(MakeConfig(), /*seed=*/42) {
    ConfState cs;
    cs.voters = {1, 2, 3};
    for (NodeId id : cs.voters) nodes_.AddNode(id, cs);
    CHECK(nodes_.node(1).Campaign().ok());
    Settle();
    CHECK(nodes_.node(1).raft().role() == StateRole::kLeader);
  }

  // Proposes `count` entries at the leader, then runs the loop until all
  // are applied on the leader.
  void ProposeAndCommit(uint64_t count, const std::string& payload) {
    if (count == 1) {
      CHECK(nodes_.node(1).Propose(payload).ok());
    } else {
      CHECK(nodes_.node(1)
                .ProposeBatch(std::vector<std::string>(count, payload))
                .ok());
    }
    Settle();
  }

  uint64_t applied() const {
    return nodes_.node(1).raft().raft_log().applied();
  }
  void Compact() {
    for (NodeId id : {1, 2, 3}) nodes_.Compact(id);
  }

 private:
  static Config MakeConfig() {
    Config config;
    config.max_inflight_msgs = 4096;
    return config;
  }

  void Settle() {
    for (;;) {
      for (NodeId id : {1, 2, 3}) {
        for (Message& m : nodes_.HandleReady(id))
          inbox_.push_back(std::move(m));
      }
      if (inbox_.empty()) return;
      std::vector<Message> batch;
      batch.swap(inbox_);
      for (const Message& m : batch) CHECK(nodes_.node(m.to).Step(m).ok());
    }
  }

  testing::NodeSet nodes_;
  std::vector<Message> inbox_;
};

struct Result {
  double proposals_per_second;
  double allocations_per_proposal;
};

Result Measure(uint64_t proposals, uint64_t batch, uint64_t payload_bytes) {
  Loop loop;
  const std::string payload(payload_bytes, 'x');
  const uint64_t start_applied = loop.applied();
  const uint64_t start_allocations = g_allocations.load();
  const auto start = std::chrono::steady_clock::now();
  uint64_t since_compaction = 0;
  for (uint64_t done = 0; done < proposals; done += batch) {
    loop.ProposeAndCommit(std::min(batch, proposals - done), payload);
    // Keep the in-memory logs short, as a real store would. (The test
    // harness snapshots its whole state machine, so not too often.)
    since_compaction += batch;
    if (since_compaction >= 16384) {
      loop.Compact();
      since_compaction = 0;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const uint64_t allocations = g_allocations.load() - start_allocations;
  CHECK_GE(loop.applied() - start_applied, proposals);
  return Result{static_cast<double>(proposals) / seconds,
                static_cast<double>(allocations) / proposals};
}

}  // namespace
}  // namespace core::raft

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const bool quick = absl::GetFlag(FLAGS_quick);
  const uint64_t proposals = quick ? 5000 : absl::GetFlag(FLAGS_proposals);
  const uint64_t batch = absl::GetFlag(FLAGS_batch);
  const uint64_t payload = absl::GetFlag(FLAGS_payload_bytes);
  std::printf("raft_bench: 3 nodes, %lu proposals of %lu bytes per mode\n",
              proposals, payload);
  const auto serial = core::raft::Measure(proposals / 8 + 1, 1, payload);
  std::printf(
      "serial  (batch 1):  %10.0f proposals/s  %6.1f allocations/proposal\n",
      serial.proposals_per_second, serial.allocations_per_proposal);
  const auto batched = core::raft::Measure(proposals, batch, payload);
  std::printf(
      "batched (batch %lu): %10.0f proposals/s  %6.1f allocations/proposal\n",
      batch, batched.proposals_per_second, batched.allocations_per_proposal);
  std::printf("batching speedup: %.1fx\n",
              batched.proposals_per_second / serial.proposals_per_second);
  return 0;
}
