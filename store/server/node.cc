#include "store/server/node.h"

#include <utility>

namespace store::server {

void UseTikvRaftDefaults(core::raft::Config* raft) {
  raft->pre_vote = true;
  raft->check_quorum = true;
  raft->read_only_option = core::raft::ReadOnlyOption::kLeaseBased;
}

Node::Node(core::env::Env env, const NodeOptions& options, IdAllocator* ids)
    : env_(env), options_(options), ids_(ids) {}

Node::~Node() = default;

absl::StatusOr<std::unique_ptr<Node>> Node::Create(core::env::Env env,
                                                   const NodeOptions& options,
                                                   IdAllocator* ids) {
  std::unique_ptr<Node> node(new Node(env, options, ids));
  raftstore::StoreOptions store_options = options.store;
  if (options.pd != nullptr) {
    node->pd_ids_ =
        std::make_unique<pd_worker::PdIdSource>(env.executor, *options.pd);
    if (ids == nullptr) ids = node->pd_ids_.get();
    node->ids_ = ids;
    if (store_options.id_source == nullptr) store_options.id_source = ids;
  }
  if (ids == nullptr) {
    return absl::InvalidArgumentError("a node needs ids or a PD client");
  }
  auto store = raftstore::Store::Create(env, store_options);
  if (!store.ok()) return store.status();
  node->store_ = *std::move(store);
  if (options.pd != nullptr) {
    node->pd_worker_ = std::make_unique<pd_worker::PdWorker>(
        env, *options.pd, *node->store_, *ids, node->metrics_,
        options.pd_worker);
  }
  node->raft_kv_ = std::make_unique<RaftKv>(*node->store_);
  node->storage_ = std::make_unique<storage::Storage>(
      env.executor, env.clock, *node->raft_kv_, node->cm_, node->metrics_,
      options.storage);
  node->service_ = std::make_unique<KvService>(env.executor, *node->storage_,
                                               *node->store_, *ids);
  node->registry_ = std::make_shared<rpc::ServiceRegistry>();
  node->service_->Register(*node->registry_);
  return node;
}

void Node::Start() {
  store_->Start();
  if (pd_worker_ != nullptr) pd_worker_->Start();
  env_.executor.Spawn("tikv-rpc-start", [this] {
    if (closed_) return;
    auto server = rpc::Server::Start(env_.executor, env_.clock, env_.network,
                                     options_.rpc, registry_);
    if (!server.ok()) {
      rpc_status_ = server.status();
      return;
    }
    rpc_server_ = *std::move(server);
  });
}

void Node::Close() {
  if (closed_) return;
  closed_ = true;
  if (rpc_server_ != nullptr) rpc_server_->Close();
  if (pd_worker_ != nullptr) pd_worker_->Close();
  store_->Close();
}

}  // namespace store::server
