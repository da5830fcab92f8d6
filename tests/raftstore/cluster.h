// Cluster: stores of store::raftstore on the simulator, for scenario tests
// in TiKV's style (components/test_raftstore's Cluster: bootstrap, start,
// must_put, leader lookups, crash and restart). Each store is one simulated
// process with its own SimDisk (sync latency, unsynced writes lost on
// crash); the disk outlives the process. Commands run on a fibre of the
// store they are sent to. RAFTSTORE_SEED=N in the environment replaces the
// seed, to sweep the scenarios by hand.
#ifndef TESTS_RAFTSTORE_CLUSTER_H_
#define TESTS_RAFTSTORE_CLUSTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "core/region/region.h"
#include "proto/metapb.pb.h"
#include "proto/raft_cmdpb.pb.h"
#include "proto/raft_serverpb.pb.h"
#include "sim/host/sim_disk.h"
#include "sim/simulation/simulation.h"
#include "store/raftstore/store.h"
#include "store/transport/transport.h"

namespace store::raftstore::testing {

using core::base::Duration;

inline constexpr uint64_t kClusterId = 7;
inline constexpr uint64_t kFirstRegionId = 1;

// What a store's process runs: by default the Store alone. A test of a
// layer above the raftstore (the tikv node, tests/server) builds that layer
// in ClusterOptions::boot_process and hands its Store back here.
class StoreProcessState : public sim::ProcessState {
 public:
  virtual Store* store() = 0;
};
using BootProcess = std::function<std::unique_ptr<StoreProcessState>(
    core::env::Env env, const StoreOptions& options)>;

struct ClusterOptions {
  int stores = 3;
  uint64_t seed = 1;
  Duration tick_interval = Duration::Milliseconds(10);
  int election_timeout_ticks = 10;
  size_t max_pending_proposals_per_region = 1024;
  uint64_t raft_entry_max_size_bytes = 8 << 20;
  RaftLogGcOptions raft_log_gc;
  HibernateOptions hibernate;
  // The split checker runs (with ids from the cluster's counter) when set.
  std::optional<SplitCheckOptions> split_check;
  // Code fault points (a slow disk, failing fsyncs that halt a store): off,
  // so that a scenario is about what it arranges.
  bool buggify = false;
  // Builds and starts a store's process (default: Store::Create + Start).
  BootProcess boot_process;
};

class Cluster {
 public:
  explicit Cluster(const ClusterOptions& options = {});
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Writes every store's ident and the first region [-inf, +inf) with one
  // voter on each of `store_ids` (peer id = store id), as PD's bootstrap.
  void BootstrapFirstRegion(const std::vector<uint64_t>& store_ids);
  void StartAll();
  void Start(uint64_t store_id);
  // Kills the store's process; its disk keeps what it synced (and a prefix
  // of the rest).
  void Crash(uint64_t store_id);
  void Restart(uint64_t store_id);

  // Cuts the store off from every other process (both ways); Heal ends it.
  void Isolate(uint64_t store_id);
  void Heal();
  // Stops scheduling the store's fibres for `duration` (a GC pause,
  // SIGSTOP); its clock runs on and the network buffers for it.
  void Pause(uint64_t store_id, Duration duration);
  // Sends `messages` to `store_id`'s raftstore in one frame from a process
  // of the test's own (as another store would), as is: ids, epochs and
  // store ids are not checked here.
  void SendRaftMessages(
      uint64_t store_id,
      const std::vector<raft_serverpb::RaftMessage>& messages);
  // Sends raw bytes as one frame.
  void SendFrame(uint64_t store_id, std::string frame);

  // nullptr while the store is down.
  Store* store(uint64_t store_id);
  std::vector<uint64_t> store_ids() const;
  sim::Simulation& sim() { return sim_; }
  sim::SimDisk& disk(uint64_t store_id) { return *disks_.at(store_id); }
  const StoreOptions& store_options(uint64_t store_id) const {
    return options_by_store_.at(store_id);
  }

  void RunFor(Duration duration) { sim_.loop().RunFor(duration); }
  // Runs until `done` holds (checked every 10 ms of simulated time); false
  // when `limit` passed first.
  bool RunUntil(const std::function<bool()>& done,
                Duration limit = Duration::Seconds(30));

  // The store whose peer leads the region, or 0.
  uint64_t LeaderStore(uint64_t region_id);
  uint64_t WaitForLeader(uint64_t region_id,
                         Duration limit = Duration::Seconds(30));
  // The region as the leader's store knows it (or any store's).
  std::optional<core::region::Region> GetRegion(uint64_t region_id);
  // The region containing `key`, as some store knows it (the newest epoch).
  std::optional<core::region::Region> RegionForKey(const std::string& key);

  // Sends `cmd` to `store_id` from a fibre of it; nullopt when no answer
  // came within `limit`.
  std::optional<raft_cmdpb::RaftCmdResponse> Call(
      uint64_t store_id, raft_cmdpb::RaftCmdRequest cmd,
      Duration limit = Duration::Seconds(10));
  // Proposes `cmd`s on `store_id` at once (no waiting in between), each
  // answer stored at its position; true when all were answered in `limit`.
  bool CallAll(uint64_t store_id, std::vector<raft_cmdpb::RaftCmdRequest> cmds,
               std::vector<raft_cmdpb::RaftCmdResponse>* answers,
               Duration limit = Duration::Seconds(10));

  // A command for `region` with its current epoch, addressed to its peer on
  // `store_id`.
  raft_cmdpb::RaftCmdRequest Command(const core::region::Region& region,
                                     uint64_t store_id);
  raft_cmdpb::RaftCmdRequest PutCommand(const core::region::Region& region,
                                        uint64_t store_id,
                                        const std::string& key,
                                        const std::string& value);
  // Puts through the region's leader, retrying on region errors as a client
  // does; the last answer.
  raft_cmdpb::RaftCmdResponse MustPut(const std::string& key,
                                      const std::string& value);
  // Splits the region holding `split_key` there (BatchSplit with fresh
  // ids), through its leader; the answer.
  raft_cmdpb::RaftCmdResponse Split(const std::vector<std::string>& split_keys);
  // The value of `key` in CF default on `store_id`'s disk (nullopt: absent).
  std::optional<std::string> Get(uint64_t store_id, const std::string& key);

  uint64_t AllocId() { return next_id_++; }
  // Hands out AllocId's ids to the stores' split checkers.
  class ClusterIds final : public IdSource {
   public:
    explicit ClusterIds(Cluster* cluster) : cluster_(cluster) {}
    absl::StatusOr<uint64_t> AllocId() override { return cluster_->AllocId(); }

   private:
    Cluster* cluster_;
  };

 private:
  struct StoreProcess;
  std::unique_ptr<sim::ProcessState> BootStore(uint64_t store_id);

  ClusterOptions options_;
  sim::Simulation sim_;
  std::map<uint64_t, sim::ProcessId> processes_;
  std::map<uint64_t, std::unique_ptr<sim::SimDisk>> disks_;
  std::map<uint64_t, StoreOptions> options_by_store_;
  std::map<uint64_t, bool> booted_;
  // The test's own process and the transport it sends frames with.
  sim::ProcessId tester_ = 0;
  std::unique_ptr<store::transport::Transport> tester_transport_;
  uint64_t next_id_ = 1000;
  ClusterIds ids_{this};
};

// "region 3 peer 4" style one-liners of an answer's error (empty if none).
std::string ErrorOf(const raft_cmdpb::RaftCmdResponse& response);

}  // namespace store::raftstore::testing

#endif  // TESTS_RAFTSTORE_CLUSTER_H_
