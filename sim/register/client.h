// Register clients: fibres on the simulator's client process that run get,
// put and compare-and-swap against the group and record a Jepsen history.
//
// An operation is invoked once and recorded once:
//   ok    a node answered kOk (reads carry the value read);
//   fail  a CAS whose compare failed, or an operation every attempt of
//         which was refused outright (kUnavailable/kHalted: never proposed);
//   info  the deadline passed while an attempt might still apply.
// Between, the client retries: after a refusal it follows the leader hint
// (or tries another node); after an attempt timeout it resends the same
// request (same client and seq: the state machine applies it at most once)
// to another node. After an info op the client continues as a fresh
// process, as Jepsen's clients do. Ref: Jepsen's client model (jepsen.client).
//
// Transport: requests go out through a store/transport Transport; the
// client listens (a TransportServer) at its own address, which its hellos
// announce, and the nodes answer there (see store/transport/transport.h for
// why answers do not ride the request's connection).
//
// Values: reads "read" (invoke nil, ok the value or nil), writes "write" v,
// CAS "cas" [expected new], each with the key as :key, times in true
// (simulated) nanoseconds. Checked with jepsen/linear's CAS-register model.
#ifndef SIM_REGISTER_CLIENT_H_
#define SIM_REGISTER_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/base/prng.h"
#include "core/base/time.h"
#include "core/env/channel.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/env/network.h"
#include "jepsen/history/history.h"
#include "sim/loop/sim_loop.h"
#include "sim/register/protocol.h"
#include "store/transport/transport.h"

namespace sim::register_kv {

struct WorkloadOptions {
  int clients = 3;
  int keys = 3;
  // Values written are drawn from [0, max_value].
  int max_value = 4;
  core::base::Duration op_timeout = core::base::Duration::Milliseconds(1500);
  core::base::Duration attempt_timeout =
      core::base::Duration::Milliseconds(300);
  core::base::Duration think_max = core::base::Duration::Milliseconds(40);
  // A write or CAS still unanswered at op_timeout after an attempt timed out
  // (so it may have been applied) is retried under the same (client, seq)
  // for up to this much longer. Sessions make the retries exactly-once, so
  // the outcome usually becomes definite instead of an :info that stays
  // concurrent with the rest of the history (each one doubles the
  // linearizability search). Zero: plain Jepsen, :info at op_timeout.
  core::base::Duration resolve_timeout = core::base::Duration::Seconds(60);
  // Percentages of reads and writes; the rest are CAS.
  int read_percent = 40;
  int write_percent = 30;
  std::string ToString() const;
};

struct ClientStats {
  uint64_t ok = 0;
  uint64_t fail = 0;
  uint64_t info = 0;
  uint64_t attempts = 0;
};

// The history of one run, stamped with the loop's true time.
class HistoryRecorder {
 public:
  explicit HistoryRecorder(const SimLoop& loop) : loop_(loop) {}
  void Invoke(int64_t process, const std::string& f,
              jepsen::history::Value value, const std::string& key);
  void Complete(int64_t process, jepsen::history::OpType type,
                const std::string& f, jepsen::history::Value value,
                const std::string& key);
  const jepsen::history::History& history() const { return history_; }
  const ClientStats& stats() const { return stats_; }

 private:
  const SimLoop& loop_;
  jepsen::history::History history_;
  ClientStats stats_;
};

struct ClientEnv {
  core::env::Clock& clock;
  core::env::Executor& executor;
  core::env::Network& network;
  uint64_t seed;
};

// One operation a client may run.
struct ClientOp {
  CommandKind kind = CommandKind::kGet;
  std::string key;
  int64_t value = 0;
  int64_t expected = 0;
};

class RegisterClient {
 public:
  // `index` numbers the client from 0 (its first process id, its session
  // id and its listen address); `nodes` are the members' listen addresses.
  RegisterClient(ClientEnv env, int index, const WorkloadOptions& options,
                 std::vector<core::env::Address> nodes,
                 HistoryRecorder& history);

  // Runs random operations until `keep_going()` is false before a new one.
  void RunWorkload(const std::function<bool()>& keep_going);
  // Runs one operation with an explicit deadline; true if it ended ok.
  bool RunOp(const ClientOp& op, core::base::Duration timeout);

 private:
  enum class Attempt { kAnswered, kRefused, kTimedOut };
  bool Bind();
  void OnResponse(const std::string& frame);
  ClientOp NextOp();
  Attempt Try(const Command& command, size_t node, core::base::Duration timeout,
              Response* response);
  size_t NextNode(const Response* refusal);

  ClientEnv env_;
  int index_;
  WorkloadOptions options_;
  std::vector<core::env::Address> nodes_;
  HistoryRecorder& history_;
  core::base::Prng prng_;
  // Answers, filled by the server's reader fibres (declared first: the
  // server, which feeds it, goes first).
  core::env::Channel<Response> responses_;
  std::unique_ptr<store::transport::Transport> transport_;
  std::unique_ptr<store::transport::TransportServer> server_;
  int64_t process_;
  uint64_t next_seq_ = 1;
  size_t preferred_ = 0;
};

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_CLIENT_H_
