// Node: one tikv-server's store side, composed (TiKV's
// components/server/src/server.rs and src/server/node.rs): the raftstore
// Store, RaftKv over it, the Storage over RaftKv with the store's
// concurrency manager, and tikvpb.Tikv (KvService) on an rpc::Server.
// runtime/ and the binaries build a tikv-server from it; tests run it on
// the simulator.
//
//   auto node = Node::Create(env, options, &ids);   // recovers the store
//   (*node)->Start();                                // store + gRPC fibres
//
// Thread-affinity: the node's executor. Close stops serving; the node may
// be destroyed after its fibres ended, or with its process.
#ifndef STORE_SERVER_NODE_H_
#define STORE_SERVER_NODE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "client/pd/pd_client.h"
#include "core/env/env.h"
#include "core/txn/concurrency_manager.h"
#include "rpc/server.h"
#include "store/metrics/memory_metrics.h"
#include "store/pd_worker/pd_id_source.h"
#include "store/pd_worker/pd_worker.h"
#include "store/raftstore/store.h"
#include "store/server/kv_service.h"
#include "store/server/raft_kv.h"
#include "store/storage/storage.h"

namespace store::server {

struct NodeOptions {
  raftstore::StoreOptions store;
  // Where tikvpb.Tikv listens (the store's client address).
  rpc::ServerOptions rpc;
  storage::StorageOptions storage;
  // With a PD client (not owned; it must outlive the node): new region and
  // peer ids come from PD (a PdIdSource, for the split checker, which then
  // runs, and SplitRegion) unless Create is given `ids`, and the PD worker
  // (heartbeats, PD's operators, store address resolution) runs with the
  // node. The store should have joined through pd_worker::BootstrapNode.
  client::pd::PdClient* pd = nullptr;
  pd_worker::PdWorkerOptions pd_worker;
};

// The Raft settings a node runs with unless told otherwise: pre-vote,
// check-quorum and lease reads (TiKV's defaults).
void UseTikvRaftDefaults(core::raft::Config* raft);

class Node {
 public:
  // Recovers the store from env.engine (Store::Create). `ids` must outlive
  // the node; it may be null when options.pd is set.
  static absl::StatusOr<std::unique_ptr<Node>> Create(
      core::env::Env env, const NodeOptions& options, IdAllocator* ids);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts the store and spawns the fibre that starts the gRPC server.
  void Start();
  void Close();

  raftstore::Store& store() { return *store_; }
  storage::Storage& storage() { return *storage_; }
  KvService& service() { return *service_; }
  metrics::MemoryMetrics& metrics() { return metrics_; }
  // nullptr without options.pd.
  pd_worker::PdWorker* pd_worker() { return pd_worker_.get(); }
  pd_worker::PdIdSource* pd_ids() { return pd_ids_.get(); }
  // nullptr until the server listens (or when it could not).
  rpc::Server* rpc_server() { return rpc_server_.get(); }
  const absl::Status& rpc_status() const { return rpc_status_; }

 private:
  Node(core::env::Env env, const NodeOptions& options, IdAllocator* ids);

  core::env::Env env_;
  NodeOptions options_;
  IdAllocator* ids_;
  metrics::MemoryMetrics metrics_;
  std::unique_ptr<pd_worker::PdIdSource> pd_ids_;
  core::txn::ConcurrencyManager cm_;
  std::unique_ptr<raftstore::Store> store_;
  std::unique_ptr<RaftKv> raft_kv_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<KvService> service_;
  std::unique_ptr<pd_worker::PdWorker> pd_worker_;
  std::shared_ptr<rpc::ServiceRegistry> registry_;
  std::unique_ptr<rpc::Server> rpc_server_;
  absl::Status rpc_status_;
  bool closed_ = false;
};

}  // namespace store::server

#endif  // STORE_SERVER_NODE_H_
