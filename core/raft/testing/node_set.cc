#include "core/raft/testing/node_set.h"

#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/raft/codec.h"

namespace core::raft::testing {

std::string EncodeStateMachine(const std::vector<std::string>& applied) {
  std::string out;
  core::base::PutVarint64(&out, applied.size());
  for (const std::string& data : applied)
    core::base::PutLengthPrefixed(&out, data);
  return out;
}

std::vector<std::string> DecodeStateMachine(const std::string& data) {
  std::vector<std::string> applied;
  if (data.empty()) return applied;
  std::string_view in(data);
  uint64_t count = 0;
  CHECK(core::base::GetVarint64(&in, &count)) << "bad state machine snapshot";
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view item;
    CHECK(core::base::GetLengthPrefixed(&in, &item));
    applied.emplace_back(item);
  }
  return applied;
}

NodeSet::NodeSet(Config base, uint64_t seed) : base_(base), seed_(seed) {}

NodeSet::NodeSet(const NodeSet& other)
    : base_(other.base_), seed_(other.seed_), slots_(other.slots_) {
  RebindAll();
}

NodeSet& NodeSet::operator=(const NodeSet& other) {
  if (this == &other) return *this;
  base_ = other.base_;
  seed_ = other.seed_;
  slots_ = other.slots_;
  RebindAll();
  return *this;
}

void NodeSet::RebindAll() {
  for (auto& [id, s] : slots_) {
    if (s.node) s.node->RebindStorage(&s.storage);
  }
}

void NodeSet::AddNode(NodeId id, const ConfState& conf_state) {
  AddNode(id, conf_state, base_);
}

void NodeSet::AddNode(NodeId id, const ConfState& conf_state, Config config) {
  CHECK(!Has(id)) << "node " << id << " exists";
  config.id = id;
  Slot& s = slots_[id];
  s.config = config;
  s.storage = MemoryStorage::WithConfState(conf_state);
  Boot(id, &s);
}

void NodeSet::Boot(NodeId id, Slot* s) {
  Config config = s->config;
  config.applied = s->storage.snapshot().metadata.index;
  uint64_t mix = seed_ + 0x632be59bd9b4e019ULL * id + (s->incarnation << 40);
  core::base::Prng prng(core::base::SplitMix64(&mix));
  auto node = RawNode::Create(config, &s->storage, prng);
  CHECK(node.ok()) << "node " << id << ": " << node.error().ToString();
  s->node.emplace(std::move(node).value());
  s->applied_data = DecodeStateMachine(s->storage.snapshot().data);
  s->served_reads.clear();
}

std::vector<NodeId> NodeSet::Ids() const {
  std::vector<NodeId> ids;
  for (const auto& entry : slots_) ids.push_back(entry.first);
  return ids;
}

NodeSet::Slot& NodeSet::slot(NodeId id) {
  auto it = slots_.find(id);
  CHECK(it != slots_.end()) << "no node " << id;
  return it->second;
}

const NodeSet::Slot& NodeSet::slot(NodeId id) const {
  auto it = slots_.find(id);
  CHECK(it != slots_.end()) << "no node " << id;
  return it->second;
}

RawNode& NodeSet::node(NodeId id) { return *slot(id).node; }
const RawNode& NodeSet::node(NodeId id) const { return *slot(id).node; }
const MemoryStorage& NodeSet::storage(NodeId id) const {
  return slot(id).storage;
}
uint64_t NodeSet::incarnation(NodeId id) const { return slot(id).incarnation; }
const std::vector<std::string>& NodeSet::applied_data(NodeId id) const {
  return slot(id).applied_data;
}

std::vector<ServedRead> NodeSet::TakeServedReads(NodeId id) {
  return std::exchange(slot(id).served_reads, {});
}

void NodeSet::Persist(Slot* s, const Ready& rd) {
  if (rd.snapshot) {
    auto status = s->storage.ApplySnapshot(*rd.snapshot);
    CHECK(status.ok()) << "persist snapshot: "
                       << StorageErrorName(status.error());
    // The snapshot's state is installed with it (raw_node.h, step 2).
    s->applied_data = DecodeStateMachine(rd.snapshot->data);
  }
  s->storage.Append(rd.entries);
  if (rd.hard_state) s->storage.SetHardState(*rd.hard_state);
}

void NodeSet::Apply(Slot* s, const Ready& rd) {
  for (const Entry& entry : rd.committed_entries) {
    if (entry.type == EntryType::kConfChange) {
      auto change = DecodeConfChange(entry.data);
      CHECK(change.ok()) << "committed malformed conf change";
      // A refused change leaves the config alone on every node alike.
      (void)core::base::Ignore(s->node->ApplyConfChange(*change));
    } else if (!entry.data.empty()) {
      s->applied_data.push_back(entry.data);
    }
  }
  for (const ReadState& rs : rd.read_states) {
    s->served_reads.push_back(ServedRead{rs.request_ctx, rs.index});
  }
}

std::vector<Message> NodeSet::HandleReady(NodeId id) {
  Slot& s = slot(id);
  std::vector<Message> out;
  while (s.node->HasReady()) {
    Ready rd = s.node->GetReady();
    for (Message& m : rd.messages) out.push_back(std::move(m));
    Persist(&s, rd);
    for (Message& m : rd.persisted_messages) out.push_back(std::move(m));
    s.node->AdvanceAppend();
    Apply(&s, rd);
    if (!rd.committed_entries.empty()) s.node->AdvanceApply();
  }
  return out;
}

std::vector<Message> NodeSet::CrashDuringReady(NodeId id) {
  Slot& s = slot(id);
  std::vector<Message> out;
  if (!s.node->HasReady()) return out;
  Ready rd = s.node->GetReady();
  out = std::move(rd.messages);
  Restart(id);
  return out;
}

void NodeSet::Restart(NodeId id) {
  Slot& s = slot(id);
  ++s.incarnation;
  s.node.reset();
  Boot(id, &s);
}

bool NodeSet::Compact(NodeId id) {
  Slot& s = slot(id);
  const Index applied = s.node->raft().raft_log().applied();
  if (applied <= s.storage.snapshot().metadata.index) return false;
  const ConfState cs = s.node->raft().tracker().config().ToConfState();
  auto snapshot =
      s.storage.CreateSnapshot(applied, cs, EncodeStateMachine(s.applied_data));
  CHECK(snapshot.ok());
  auto status = s.storage.Compact(applied);
  CHECK(status.ok());
  return true;
}

invariants::NodeObservation NodeSet::Observe(NodeId id) const {
  const Slot& s = slot(id);
  const Raft& r = s.node->raft();
  invariants::NodeObservation o;
  o.id = id;
  o.incarnation = s.incarnation;
  o.role = r.role();
  o.term = r.term();
  o.vote = r.vote();
  o.commit = r.raft_log().committed();
  o.applied = r.raft_log().applied();
  o.log.first_index = r.raft_log().FirstIndex();
  o.log.entries = r.raft_log().AllEntries();
  o.durable_hard_state = s.storage.hard_state();
  o.durable_log.first_index = s.storage.FirstIndex();
  o.durable_log.entries = s.storage.AllEntries();
  o.conf_state = r.tracker().config().ToConfState();
  return o;
}

invariants::ClusterObservation NodeSet::Observe() const {
  invariants::ClusterObservation c;
  for (const auto& entry : slots_) c.nodes.push_back(Observe(entry.first));
  return c;
}

void NodeSet::AppendFingerprint(std::string* out) const {
  using core::base::PutLengthPrefixed;
  using core::base::PutVarint64;
  for (const auto& [id, s] : slots_) {
    PutVarint64(out, id);
    s.node->AppendFingerprintForTest(out);
    const HardState& hs = s.storage.hard_state();
    for (uint64_t field :
         {hs.term, hs.vote, hs.commit, s.storage.snapshot().metadata.index}) {
      PutVarint64(out, field);
    }
    for (const Entry& e : s.storage.AllEntries()) {
      PutVarint64(out, e.term);
      PutLengthPrefixed(out, e.data);
    }
    out->push_back('/');
  }
}

}  // namespace core::raft::testing
