// Wire codec: golden bytes, round trips of arbitrary messages and conf
// changes, and clean errors (never a crash) on malformed datagrams.
#include "core/raft/codec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/base/bytes.h"

namespace core::raft {
namespace {

Message SampleMessage() {
  Message m;
  m.type = MessageType::kMsgApp;
  m.to = 2;
  m.from = 1;
  m.term = 3;
  m.log_term = 2;
  m.index = 5;
  m.commit = 4;
  m.entries = {Entry{3, 6, EntryType::kNormal, "x"}};
  return m;
}

TEST(CodecTest, GoldenBytes) {
  // DO NOT CHANGE: this pins the wire format.
  EXPECT_EQ(core::base::HexEncode(EncodeMessage(SampleMessage())),
            "0109020103020504000000010306000178");
  ConfChange cc;
  cc.changes = {{ConfChangeType::kAddLearnerNode, 4}};
  EXPECT_EQ(core::base::HexEncode(EncodeConfChange(cc)), "010001020400");
}

TEST(CodecTest, RoundTripsSnapshotMessage) {
  Message m;
  m.type = MessageType::kMsgSnap;
  m.to = 3;
  m.from = 1;
  m.term = 9;
  m.snapshot = Snapshot{
      SnapshotMetadata{100, 8, ConfState{{1, 2, 3}, {1, 2}, {4}, {2}, true}},
      std::string("state\0machine", 13)};
  auto decoded = DecodeMessage(EncodeMessage(m));
  ASSERT_TRUE(decoded.ok()) << decoded.error().reason;
  EXPECT_EQ(*decoded, m);
}

TEST(CodecTest, RejectsEveryTruncationAndTrailingBytes) {
  const std::string bytes = EncodeMessage(SampleMessage());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = DecodeMessage(bytes.substr(0, n));
    EXPECT_FALSE(decoded.ok()) << "prefix of " << n << " bytes decoded";
  }
  auto trailing = DecodeMessage(bytes + "z");
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.error().reason, "trailing bytes");
}

TEST(CodecTest, RejectsUnknownKindsWithReasons) {
  std::string bytes = EncodeMessage(SampleMessage());
  std::string bad_version = bytes;
  bad_version[0] = 7;
  EXPECT_EQ(DecodeMessage(bad_version).error().reason, "unsupported version 7");
  std::string bad_type = bytes;
  bad_type[1] = 99;
  EXPECT_EQ(DecodeMessage(bad_type).error().reason, "unknown message type 99");
  // A huge entry count must not allocate: it is checked against the input.
  std::string huge = bytes.substr(0, 11);
  core::base::PutVarint64(&huge, 1ULL << 40);
  EXPECT_FALSE(DecodeMessage(huge).ok());
  EXPECT_FALSE(DecodeConfChange("\x01\x05").ok());
}

Message ArbitraryMessage() {
  Message m;
  m.type =
      static_cast<MessageType>(*rc::gen::inRange<int>(0, kMaxMessageType + 1));
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
  for (int i = 0; i < n; ++i) {
    m.entries.push_back(
        Entry{*rc::gen::arbitrary<uint64_t>(), *rc::gen::arbitrary<uint64_t>(),
              *rc::gen::element(EntryType::kNormal, EntryType::kConfChange),
              *rc::gen::arbitrary<std::string>()});
  }
  if (*rc::gen::arbitrary<bool>()) {
    Snapshot s;
    s.metadata.index = *rc::gen::arbitrary<uint64_t>();
    s.metadata.term = *rc::gen::arbitrary<uint64_t>();
    s.metadata.conf_state.voters = *rc::gen::arbitrary<std::vector<uint64_t>>();
    s.metadata.conf_state.auto_leave = *rc::gen::arbitrary<bool>();
    s.data = *rc::gen::arbitrary<std::string>();
    m.snapshot = s;
  }
  return m;
}

RC_GTEST_PROP(CodecProperty, MessagesRoundTrip, ()) {
  const Message m = ArbitraryMessage();
  auto decoded = DecodeMessage(EncodeMessage(m));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == m);
}

RC_GTEST_PROP(CodecProperty, ConfChangesRoundTrip, ()) {
  ConfChange cc;
  cc.transition = *rc::gen::element(ConfChangeTransition::kAuto,
                                    ConfChangeTransition::kJointImplicit,
                                    ConfChangeTransition::kJointExplicit);
  const int n = *rc::gen::inRange(0, 5);
  for (int i = 0; i < n; ++i) {
    cc.changes.push_back({*rc::gen::element(ConfChangeType::kAddNode,
                                            ConfChangeType::kRemoveNode,
                                            ConfChangeType::kAddLearnerNode),
                          *rc::gen::arbitrary<uint64_t>()});
  }
  cc.context = *rc::gen::arbitrary<std::string>();
  auto decoded = DecodeConfChange(EncodeConfChange(cc));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == cc);
}

// Arbitrary bytes (and mutations of valid encodings) decode or fail cleanly;
// anything that decodes survives another round trip unchanged.
RC_GTEST_PROP(CodecProperty, GarbageNeverCrashes, ()) {
  std::string bytes = EncodeMessage(ArbitraryMessage());
  const size_t flips = *rc::gen::inRange<size_t>(0, 4);
  for (size_t i = 0; i < flips && !bytes.empty(); ++i) {
    bytes[*rc::gen::inRange<size_t>(0, bytes.size())] ^=
        static_cast<char>(*rc::gen::inRange(1, 256));
  }
  auto decoded = DecodeMessage(bytes);
  if (decoded.ok()) {
    auto again = DecodeMessage(EncodeMessage(*decoded));
    RC_ASSERT(again.ok());
    RC_ASSERT(*again == *decoded);
  }
  auto random = DecodeMessage(*rc::gen::arbitrary<std::string>());
  (void)random.ok();
}

}  // namespace
}  // namespace core::raft
