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
  auto store = raftstore::Store::Create(env, options.store);
  if (!store.ok()) return store.status();
  node->store_ = *std::move(store);
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
  store_->Close();
}

}  // namespace store::server
