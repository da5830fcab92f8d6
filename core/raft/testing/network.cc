#include "core/raft/testing/network.h"

#include "core/base/check.h"
#include "core/raft/codec.h"

namespace core::raft::testing {

Config NetworkOptions::DefaultTestConfig() {
  Config config;
  config.election_timeout_ticks = 10;
  config.heartbeat_interval_ticks = 1;
  config.max_size_per_msg_bytes = 1 << 20;
  config.max_inflight_msgs = 256;
  return config;
}

Network::Network(NetworkOptions options)
    : options_(options), nodes_(options.config, options.seed) {
  for (int i = 1; i <= options.voters; ++i) {
    initial_conf_state_.voters.push_back(i);
  }
  for (int i = 1; i <= options.learners; ++i) {
    initial_conf_state_.learners.push_back(options.voters + i);
  }
  for (NodeId id : initial_conf_state_.voters) {
    nodes_.AddNode(id, initial_conf_state_);
  }
  for (NodeId id : initial_conf_state_.learners) {
    nodes_.AddNode(id, initial_conf_state_);
  }
}

void Network::CheckInvariants() {
  if (!options_.check_invariants || violation_) return;
  violation_ = checker_.Observe(nodes_.Observe());
}

void Network::ProcessReady(NodeId id) {
  Send(nodes_.HandleReady(id));
  for (const ServedRead& read : nodes_.TakeServedReads(id)) {
    served_reads_.push_back({id, read});
    if (auto v = checker_.OnReadServed(read.request_ctx, read.index)) {
      if (!violation_) violation_ = v;
    }
  }
  CheckInvariants();
}

void Network::ProcessReadyAll() {
  for (NodeId id : nodes_.Ids()) ProcessReady(id);
}

void Network::Send(std::vector<Message> messages) {
  for (Message& m : messages) in_flight_.push_back(std::move(m));
}

bool Network::Blocked(const Message& m) const {
  return isolated_.count(m.from) != 0 || isolated_.count(m.to) != 0 ||
         cut_.count({m.from, m.to}) != 0 || dropped_types_.count(m.type) != 0 ||
         (drop_filter_ && drop_filter_(m));
}

void Network::Deliver(const Message& m) {
  if (Blocked(m) || !nodes_.Has(m.to)) return;
  if (options_.roundtrip_codec) {
    auto decoded = DecodeMessage(EncodeMessage(m));
    CHECK(decoded.ok()) << "codec round trip: " << decoded.error().reason;
    CHECK(*decoded == m) << "codec round trip changed a message";
  }
  (void)core::base::Ignore(nodes_.node(m.to).Step(m));
  CheckInvariants();
}

bool Network::DeliverOne() {
  if (in_flight_.empty()) return false;
  Message m = std::move(in_flight_.front());
  in_flight_.pop_front();
  const NodeId to = m.to;
  Deliver(m);
  if (nodes_.Has(to)) ProcessReady(to);
  return true;
}

bool Network::Stabilize(int max_steps) {
  ProcessReadyAll();
  for (int step = 0; step < max_steps; ++step) {
    if (!DeliverOne()) {
      ProcessReadyAll();
      if (in_flight_.empty()) return true;
    }
  }
  return false;
}

StepResult Network::ReadIndex(NodeId id, const std::string& request_ctx) {
  checker_.OnReadRequested(request_ctx, nodes_.Observe());
  return nodes_.node(id).ReadIndex(request_ctx);
}

void Network::Tick(NodeId id, int ticks) {
  for (int i = 0; i < ticks; ++i) nodes_.node(id).Tick();
}

void Network::TickAll(int ticks) {
  for (int i = 0; i < ticks; ++i) {
    for (NodeId id : nodes_.Ids()) nodes_.node(id).Tick();
  }
}

void Network::Elect(NodeId id) {
  (void)core::base::Ignore(nodes_.node(id).Campaign());
  Stabilize();
}

StepResult Network::ProposeAndCommit(NodeId id, std::string data) {
  StepResult result = nodes_.node(id).Propose(std::move(data));
  Stabilize();
  return result;
}

void Network::Cut(NodeId a, NodeId b) {
  cut_.insert({a, b});
  cut_.insert({b, a});
}

void Network::Isolate(NodeId id) { isolated_.insert(id); }

void Network::Heal() {
  cut_.clear();
  isolated_.clear();
  dropped_types_.clear();
  drop_filter_ = nullptr;
}

void Network::Restart(NodeId id) {
  nodes_.Restart(id);
  CheckInvariants();
}

void Network::AddNode(NodeId id, const ConfState& bootstrap) {
  nodes_.AddNode(id, bootstrap);
}

NodeId Network::Leader() const {
  NodeId leader = kNone;
  Term best = 0;
  for (NodeId id : nodes_.Ids()) {
    const Raft& r = nodes_.node(id).raft();
    if (r.role() == StateRole::kLeader && r.term() >= best) {
      best = r.term();
      leader = id;
    }
  }
  return leader;
}

}  // namespace core::raft::testing
