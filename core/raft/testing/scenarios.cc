#include "core/raft/testing/scenarios.h"

#include "core/base/check.h"
#include "core/raft/testing/network.h"

namespace core::raft::testing {
namespace {

// Campaigns until `id` leads (a first attempt may lose on split votes).
void ElectWithRetries(Network& net, NodeId id) {
  for (int attempt = 0; attempt < 4 && net.Leader() != id; ++attempt) {
    net.Elect(id);
  }
  CHECK_EQ(net.Leader(), id) << "could not elect " << id;
}

}  // namespace

Figure8Outcome RunFigure8Scenario() {
  NetworkOptions options;
  options.voters = 5;
  options.config.max_size_per_msg_bytes = 0;  // one entry per MsgApp
  Network net(options);
  ElectWithRetries(net, 1);  // term 1, index 1 everywhere
  // (a) S1 replicates "x" at index 2 to S2 only.
  for (NodeId id : {3, 4, 5}) net.Cut(1, id);
  (void)core::base::Ignore(net.ProposeAndCommit(1, "x"));
  // (b) S1 is down; S5 wins with S3 and S4 and appends index 2 of its own
  // term, which reaches no one.
  net.Heal();
  net.Restart(1);
  net.Isolate(1);
  net.DropType(MessageType::kMsgApp);
  ElectWithRetries(net, 5);
  // (c) S5 is down; S1 wins again and brings S3 up to index 2 (term 1), but
  // S3 never receives S1's current-term entry at index 3.
  net.Heal();
  net.Restart(5);
  net.Isolate(5);
  net.Cut(1, 4);
  // The first MsgApp carrying index 3 makes S3 reveal (by rejecting it)
  // that it lacks index 2; once S3 holds index 2, index 3 is dropped.
  net.SetDropFilter([&net](const Message& m) {
    return m.type == MessageType::kMsgApp && m.from == 1 && m.to == 3 &&
           !m.entries.empty() && m.entries.back().index >= 3 &&
           net.nodes().node(3).raft().raft_log().LastIndex() >= 2;
  });
  ElectWithRetries(net, 1);
  Figure8Outcome outcome;
  CHECK_GE(net.nodes().node(3).raft().raft_log().LastIndex(), 2u);
  outcome.old_term_entry_committed =
      net.nodes().node(1).raft().raft_log().committed() >= 2;
  // (d) S1 is down; S5 is elected with S3 and S4 and overwrites index 2.
  net.Heal();
  net.Restart(1);
  net.Isolate(1);
  ElectWithRetries(net, 5);
  (void)core::base::Ignore(net.ProposeAndCommit(5, "y"));
  outcome.violation = net.violation();
  return outcome;
}

}  // namespace core::raft::testing
