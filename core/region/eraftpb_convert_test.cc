// The one conversion between core::raft values and eraftpb: every message
// the core can produce survives ToEraftpb, the wire and FromEraftpb
// unchanged (property); conf change entries travel as raft-rs's
// ConfChangeV2 (and V1 is accepted); whatever the network sends is either a
// valid core message or an InvalidRaftMessage (property over arbitrary
// bytes).
#include "core/region/eraftpb_convert.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/raft/codec.h"

namespace core::region {
namespace {

using raft::ConfChange;
using raft::ConfChangeType;
using raft::Entry;
using raft::EntryType;
using raft::Message;
using raft::MessageType;

// Sorted, duplicate-free ids in [lo, lo + 50), as the core keeps them.
std::vector<raft::NodeId> SortedIdSet(raft::NodeId lo) {
  const auto ids = *rc::gen::container<std::set<raft::NodeId>>(
      rc::gen::inRange<raft::NodeId>(lo, lo + 50));
  return {ids.begin(), ids.end()};
}

raft::ConfState ArbitraryConfState() {
  raft::ConfState cs;
  cs.voters = SortedIdSet(1);
  cs.voters_outgoing = SortedIdSet(1);
  cs.learners = SortedIdSet(100);  // disjoint from both voter sets
  cs.learners_next = SortedIdSet(1);
  cs.auto_leave = *rc::gen::arbitrary<bool>();
  return cs;
}

ConfChange ArbitraryConfChange() {
  ConfChange cc;
  cc.transition = *rc::gen::element(raft::ConfChangeTransition::kAuto,
                                    raft::ConfChangeTransition::kJointImplicit,
                                    raft::ConfChangeTransition::kJointExplicit);
  const int n = *rc::gen::inRange(0, 4);
  for (int i = 0; i < n; ++i) {
    cc.changes.push_back({*rc::gen::element(ConfChangeType::kAddNode,
                                            ConfChangeType::kRemoveNode,
                                            ConfChangeType::kAddLearnerNode),
                          *rc::gen::arbitrary<uint64_t>()});
  }
  cc.context = *rc::gen::arbitrary<std::string>();
  return cc;
}

Entry ArbitraryEntry() {
  Entry entry{.term = *rc::gen::arbitrary<uint64_t>(),
              .index = *rc::gen::arbitrary<uint64_t>()};
  if (*rc::gen::arbitrary<bool>()) {
    entry.type = EntryType::kConfChange;
    entry.data = raft::EncodeConfChange(ArbitraryConfChange());
  } else {
    entry.data = *rc::gen::arbitrary<std::string>();
  }
  return entry;
}

Message ArbitraryMessage() {
  Message m;
  m.type = static_cast<MessageType>(
      *rc::gen::inRange<int>(0, raft::kMaxMessageType + 1));
  m.to = *rc::gen::arbitrary<uint64_t>();
  m.from = *rc::gen::arbitrary<uint64_t>();
  m.term = *rc::gen::arbitrary<uint64_t>();
  m.log_term = *rc::gen::arbitrary<uint64_t>();
  m.index = *rc::gen::arbitrary<uint64_t>();
  m.commit = *rc::gen::arbitrary<uint64_t>();
  m.reject = *rc::gen::arbitrary<bool>();
  m.reject_hint = *rc::gen::arbitrary<uint64_t>();
  m.context = *rc::gen::arbitrary<std::string>();
  const int n = *rc::gen::inRange(0, 4);
  for (int i = 0; i < n; ++i) m.entries.push_back(ArbitraryEntry());
  if (*rc::gen::arbitrary<bool>()) {
    raft::Snapshot s;
    s.metadata.index = *rc::gen::arbitrary<uint64_t>();
    s.metadata.term = *rc::gen::arbitrary<uint64_t>();
    s.metadata.conf_state = ArbitraryConfState();
    s.data = *rc::gen::arbitrary<std::string>();
    m.snapshot = s;
  }
  return m;
}

RC_GTEST_PROP(EraftpbConvertTest, RoundTripsEveryCoreMessage, ()) {
  const Message m = ArbitraryMessage();
  eraftpb::Message wire;
  RC_ASSERT(wire.ParseFromString(ToEraftpb(m).SerializeAsString()));
  auto back = FromEraftpb(wire);
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == m);
}

// Bytes off the network: a parsed eraftpb.Message converts to a core value
// or to an error, and a converted value converts back to the same wire
// message up to the fields the core drops.
RC_GTEST_PROP(EraftpbConvertTest, ArbitraryWireBytesConvertOrFailCleanly, ()) {
  std::string bytes = ToEraftpb(ArbitraryMessage()).SerializeAsString();
  const size_t flips = *rc::gen::inRange<size_t>(0, 4);
  for (size_t i = 0; i < flips && !bytes.empty(); ++i) {
    const size_t at = *rc::gen::inRange<size_t>(0, bytes.size());
    bytes[at] = static_cast<char>(*rc::gen::arbitrary<uint8_t>());
  }
  eraftpb::Message wire;
  if (!wire.ParseFromString(bytes)) return;
  auto converted = FromEraftpb(wire);
  if (!converted.ok()) {
    RC_ASSERT(!converted.error().ToString().empty());
    return;
  }
  auto again = FromEraftpb(ToEraftpb(*converted));
  RC_ASSERT(again.ok());
  RC_ASSERT(*again == *converted);
}

TEST(EraftpbConvertTest, MessageTypesMapByName) {
  EXPECT_EQ(ToEraftpb(Message{.type = MessageType::kMsgProp}).msg_type(),
            eraftpb::MsgPropose);
  EXPECT_EQ(ToEraftpb(Message{.type = MessageType::kMsgApp}).msg_type(),
            eraftpb::MsgAppend);
  EXPECT_EQ(ToEraftpb(Message{.type = MessageType::kMsgVote}).msg_type(),
            eraftpb::MsgRequestVote);
  EXPECT_EQ(ToEraftpb(Message{.type = MessageType::kMsgPreVoteResp}).msg_type(),
            eraftpb::MsgRequestPreVoteResponse);
  EXPECT_EQ(ToEraftpb(Message{.type = MessageType::kMsgSnap}).msg_type(),
            eraftpb::MsgSnapshot);
  std::set<int> wire_types;
  for (int t = 0; t <= raft::kMaxMessageType; ++t) {
    wire_types.insert(
        ToEraftpb(Message{.type = static_cast<MessageType>(t)}).msg_type());
  }
  EXPECT_EQ(wire_types.size(), raft::kMaxMessageType + 1u) << "a bijection";
}

TEST(EraftpbConvertTest, ConfChangeEntriesTravelAsConfChangeV2) {
  ConfChange change{.transition = raft::ConfChangeTransition::kJointExplicit,
                    .changes = {{ConfChangeType::kAddLearnerNode, 4},
                                {ConfChangeType::kRemoveNode, 2}},
                    .context = "admin"};
  Entry entry{.term = 3,
              .index = 9,
              .type = EntryType::kConfChange,
              .data = raft::EncodeConfChange(change)};
  const eraftpb::Entry wire = ToEraftpb(entry);
  ASSERT_EQ(wire.entry_type(), eraftpb::EntryConfChangeV2);
  eraftpb::ConfChangeV2 v2;
  ASSERT_TRUE(v2.ParseFromString(wire.data()));
  EXPECT_EQ(v2.transition(), eraftpb::Explicit);
  ASSERT_EQ(v2.changes_size(), 2);
  EXPECT_EQ(v2.changes(0).change_type(), eraftpb::AddLearnerNode);
  EXPECT_EQ(v2.changes(1).node_id(), 2u);
  EXPECT_EQ(v2.context(), "admin");
}

TEST(EraftpbConvertTest, AcceptsConfChangeV1Entries) {
  eraftpb::ConfChange v1;
  v1.set_change_type(eraftpb::AddNode);
  v1.set_node_id(5);
  v1.set_context("cmd");
  eraftpb::Entry wire;
  wire.set_entry_type(eraftpb::EntryConfChange);
  wire.set_index(7);
  wire.set_data(v1.SerializeAsString());
  auto entry = FromEraftpb(wire);
  ASSERT_TRUE(entry.ok()) << entry.error().ToString();
  EXPECT_EQ(entry->type, EntryType::kConfChange);
  auto change = raft::DecodeConfChange(entry->data);
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(*change, (ConfChange{.changes = {{ConfChangeType::kAddNode, 5}},
                                 .context = "cmd"}));
}

TEST(EraftpbConvertTest, SortsConfStatesAndRefusesDuplicates) {
  eraftpb::ConfState wire;
  for (uint64_t id : {3, 1, 2}) wire.add_voters(id);
  auto sorted = FromEraftpb(wire);
  ASSERT_TRUE(sorted.ok());
  EXPECT_EQ(sorted->voters, (std::vector<raft::NodeId>{1, 2, 3}));
  wire.add_voters(2);
  EXPECT_FALSE(FromEraftpb(wire).ok());
  wire.clear_voters();
  wire.add_voters(1);
  wire.add_learners(1);
  EXPECT_FALSE(FromEraftpb(wire).ok()) << "a learner that votes";
}

TEST(EraftpbConvertTest, RefusesWhatTheCoreCannotHold) {
  eraftpb::Message unknown_type;
  unknown_type.set_msg_type(static_cast<eraftpb::MessageType>(99));
  EXPECT_FALSE(FromEraftpb(unknown_type).ok());

  eraftpb::Message bad_entry;
  bad_entry.set_msg_type(eraftpb::MsgAppend);
  bad_entry.add_entries()->set_entry_type(static_cast<eraftpb::EntryType>(7));
  EXPECT_FALSE(FromEraftpb(bad_entry).ok());

  eraftpb::Message bad_conf_change;
  bad_conf_change.set_msg_type(eraftpb::MsgAppend);
  eraftpb::Entry* entry = bad_conf_change.add_entries();
  entry->set_entry_type(eraftpb::EntryConfChangeV2);
  entry->set_data("\xff\xff\xff");
  EXPECT_FALSE(FromEraftpb(bad_conf_change).ok());

  eraftpb::ConfChangeV2 bad_type;
  bad_type.add_changes()->set_change_type(
      static_cast<eraftpb::ConfChangeType>(9));
  entry->set_data(bad_type.SerializeAsString());
  EXPECT_FALSE(FromEraftpb(bad_conf_change).ok());
}

}  // namespace
}  // namespace core::region
