// PD's replicated commands and state, without Raft: the command codec
// (golden bytes, round trips, garbage refused), what each command does to
// the state (bootstrap once, stores, region metadata, the TSO bound and the
// ID end only growing, safe points, the etcd key space), and the property
// that the state is exactly its records: after any sequence of commands the
// engine, the snapshot data and a reload all agree with the state.
#include "pd/server/pd_state.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/base/testing/rapidcheck_gtest.h"
#include "core/engine/mem_engine.h"
#include "pd/server/command.h"

namespace pd::server {
namespace {

using core::env::Cf;

metapb::Store MakeStore(uint64_t id, const std::string& address) {
  metapb::Store store;
  store.set_id(id);
  store.set_address(address);
  return store;
}

struct PeerSpec {
  uint64_t id;
  uint64_t store_id;
};

metapb::Region MakeRegion(uint64_t id, const std::string& start,
                          const std::string& end, uint64_t version,
                          std::vector<PeerSpec> peers) {
  metapb::Region region;
  region.set_id(id);
  region.set_start_key(start);
  region.set_end_key(end);
  region.mutable_region_epoch()->set_version(version);
  region.mutable_region_epoch()->set_conf_ver(1);
  for (const PeerSpec& spec : peers) {
    metapb::Peer* peer = region.add_peers();
    peer->set_id(spec.id);
    peer->set_store_id(spec.store_id);
  }
  return region;
}

std::map<std::string, std::string> EngineRecords(core::env::Engine& engine) {
  std::map<std::string, std::string> out;
  auto it = engine.NewSnapshot()->NewIterator(Cf::kDefault, {});
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out[std::string(it->key())] = std::string(it->value());
  }
  return out;
}

// A state with its engine: every Apply's batch is written, as the peer does.
class Applied {
 public:
  CommandOutcome Apply(const CommandBody& body) {
    core::env::WriteBatch batch;
    CommandOutcome outcome = state.Apply(body, &batch);
    EXPECT_TRUE(engine.Write(batch, {}).ok());
    return outcome;
  }
  void Bootstrap() {
    ASSERT_FALSE(Apply(SetClusterId{42}).error.has_value());
    auto outcome = Apply(BootstrapCluster{MakeStore(1, "s1:20160"),
                                          MakeRegion(2, "", "", 1, {{3, 1}})});
    ASSERT_FALSE(outcome.error.has_value()) << outcome.error->message;
  }

  core::engine::MemEngine engine;
  PdState state;
};

pdpb::ErrorType ErrorOf(const CommandOutcome& outcome) {
  return outcome.error ? outcome.error->type : pdpb::OK;
}

// ---------------------------------------------------------------- codec

TEST(CommandTest, GoldenBytes) {
  // DO NOT CHANGE: these bytes are in every PD member's Raft log.
  EXPECT_EQ(EncodeCommand({{7, 1}, SaveTsoBound{3000}}),
            std::string("\x01\x05\x07\x01\xb8\x17", 6));
  EXPECT_EQ(EncodeCommand({{1, 2}, EtcdPut{"k", "v"}}),
            std::string("\x01\x09\x01\x02\x01k\x01v", 8));
  EXPECT_EQ(EncodeCommand({{1, 3}, SetStoreState{5, metapb::Tombstone}}),
            std::string("\x01\x0b\x01\x03\x05\x02", 6));
}

std::vector<Command> OneOfEveryKind() {
  return {
      {{1, 1}, SetClusterId{99}},
      {{1, 2},
       BootstrapCluster{MakeStore(1, "a:1"),
                        MakeRegion(2, "", "", 1, {{3, 1}})}},
      {{1, 3}, PutStore{MakeStore(4, "b:1")}},
      {{1, 4}, PutRegion{MakeRegion(5, "a", "b", 2, {{6, 1}})}},
      {{1, 5}, SaveTsoBound{-1}},
      {{1, 6}, SaveIdEnd{UINT64_MAX}},
      {{1, 7}, UpdateGcSafePoint{123, -5}},
      {{1, 8}, UpdateServiceSafePoint{"br", 7, -1, 1000}},
      {{1, 9}, EtcdPut{std::string("\0k", 2), ""}},
      {{1, 10}, EtcdDeleteRange{"a", std::string("\0", 1)}},
      {{2, 11}, SetStoreState{4, metapb::Offline}},
  };
}

TEST(CommandTest, EveryKindRoundTrips) {
  for (const Command& command : OneOfEveryKind()) {
    const std::string bytes = EncodeCommand(command);
    auto decoded = DecodeCommand(bytes);
    ASSERT_TRUE(decoded.ok())
        << CommandName(command.body) << ": " << decoded.error().ToString();
    EXPECT_EQ(decoded->id, command.id);
    EXPECT_EQ(decoded->body.index(), command.body.index());
    EXPECT_EQ(EncodeCommand(*decoded), bytes) << CommandName(command.body);
  }
}

TEST(CommandTest, GarbageIsRefusedWithAReason) {
  EXPECT_FALSE(DecodeCommand("").ok());
  EXPECT_FALSE(DecodeCommand(std::string("\x02\x05\x01\x01\x01", 5)).ok());
  EXPECT_FALSE(DecodeCommand(std::string("\x01\x63\x01\x01", 4)).ok());
  // A store state metapb does not know.
  EXPECT_FALSE(DecodeCommand(std::string("\x01\x0b\x01\x03\x05\x09", 6)).ok());
  const std::string bytes = EncodeCommand({{1, 2}, EtcdPut{"k", "v"}});
  EXPECT_FALSE(DecodeCommand(bytes + "x").ok());  // trailing bytes
}

// Every strict prefix of a valid command is refused, and no input crashes
// the decoder.
RC_GTEST_PROP(CommandProperty, PrefixesAndGarbageAreRefused,
              (const std::string& garbage)) {
  (void)core::base::Ignore(DecodeCommand(garbage));
  const auto commands = OneOfEveryKind();
  const Command& command =
      commands[*rc::gen::inRange<size_t>(0, commands.size())];
  const std::string bytes = EncodeCommand(command);
  const size_t cut = *rc::gen::inRange<size_t>(0, bytes.size());
  RC_ASSERT_FALSE(DecodeCommand(bytes.substr(0, cut)).ok());
}

// ---------------------------------------------------------------- state

TEST(PdStateTest, TheFirstClusterIdWins) {
  Applied s;
  EXPECT_EQ(ErrorOf(s.Apply(SetClusterId{0})), pdpb::INVALID_VALUE);
  EXPECT_EQ(ErrorOf(s.Apply(SetClusterId{42})), pdpb::OK);
  EXPECT_EQ(ErrorOf(s.Apply(SetClusterId{43})), pdpb::OK);
  EXPECT_EQ(s.state.cluster_id(), 42u);
}

TEST(PdStateTest, BootstrapHappensOnce) {
  Applied s;
  s.Bootstrap();
  EXPECT_TRUE(s.state.bootstrapped());
  EXPECT_EQ(s.state.cluster()->id(), 42u);
  ASSERT_NE(s.state.FindStore(1), nullptr);
  EXPECT_EQ(s.state.FindStore(1)->node_state(), metapb::Serving);
  EXPECT_EQ(s.state.regions().count(2), 1u);
  auto again = s.Apply(BootstrapCluster{MakeStore(7, "s7:1"),
                                        MakeRegion(8, "", "", 1, {{9, 7}})});
  EXPECT_EQ(ErrorOf(again), pdpb::ALREADY_BOOTSTRAPPED);
  EXPECT_EQ(s.state.FindStore(7), nullptr);
}

TEST(PdStateTest, BootstrapRefusesBadInput) {
  Applied s;
  const metapb::Region region = MakeRegion(2, "", "", 1, {{3, 1}});
  EXPECT_EQ(ErrorOf(s.Apply(BootstrapCluster{MakeStore(1, "s1:1"), region})),
            pdpb::UNKNOWN);  // no cluster id yet
  ASSERT_EQ(ErrorOf(s.Apply(SetClusterId{42})), pdpb::OK);
  EXPECT_EQ(ErrorOf(s.Apply(BootstrapCluster{MakeStore(0, "s1:1"), region})),
            pdpb::INVALID_VALUE);
  EXPECT_EQ(ErrorOf(s.Apply(BootstrapCluster{MakeStore(5, "s5:1"), region})),
            pdpb::INVALID_VALUE);  // no peer on the store
  EXPECT_EQ(ErrorOf(s.Apply(BootstrapCluster{
                MakeStore(1, "s1:1"), MakeRegion(2, "a", "", 1, {{3, 1}})})),
            pdpb::INVALID_VALUE);  // does not cover every key
  EXPECT_FALSE(s.state.bootstrapped());
}

TEST(PdStateTest, PutStoreKeepsTheStateAndRefusesTombstonesAndDuplicates) {
  Applied s;
  EXPECT_EQ(ErrorOf(s.Apply(PutStore{MakeStore(4, "s4:1")})),
            pdpb::NOT_BOOTSTRAPPED);
  s.Bootstrap();
  ASSERT_EQ(ErrorOf(s.Apply(PutStore{MakeStore(4, "s4:1")})), pdpb::OK);
  ASSERT_EQ(ErrorOf(s.Apply(SetStoreState{4, metapb::Offline})), pdpb::OK);
  ASSERT_EQ(ErrorOf(s.Apply(PutStore{MakeStore(4, "s4:2")})), pdpb::OK);
  EXPECT_EQ(s.state.FindStore(4)->state(), metapb::Offline);
  EXPECT_EQ(s.state.FindStore(4)->address(), "s4:2");
  EXPECT_EQ(ErrorOf(s.Apply(PutStore{MakeStore(5, "s4:2")})), pdpb::UNKNOWN);
  ASSERT_EQ(ErrorOf(s.Apply(SetStoreState{4, metapb::Tombstone})), pdpb::OK);
  EXPECT_EQ(s.state.FindStore(4)->node_state(), metapb::Removed);
  EXPECT_EQ(ErrorOf(s.Apply(PutStore{MakeStore(4, "s4:3")})),
            pdpb::STORE_TOMBSTONE);
  EXPECT_EQ(ErrorOf(s.Apply(SetStoreState{4, metapb::Up})),
            pdpb::STORE_TOMBSTONE);
  EXPECT_EQ(ErrorOf(s.Apply(SetStoreState{9, metapb::Up})), pdpb::UNKNOWN);
  // A tombstone's address may be reused.
  EXPECT_EQ(ErrorOf(s.Apply(PutStore{MakeStore(5, "s4:3")})), pdpb::OK);
}

TEST(PdStateTest, PutRegionReplacesOverlapsAndIgnoresStaleRegions) {
  Applied s;
  s.Bootstrap();
  // Region 2 split at "m": 2 keeps [, m), 10 takes [m, ), version 2.
  ASSERT_EQ(ErrorOf(s.Apply(PutRegion{MakeRegion(2, "", "m", 2, {{3, 1}})})),
            pdpb::OK);
  ASSERT_EQ(ErrorOf(s.Apply(PutRegion{MakeRegion(10, "m", "", 2, {{11, 1}})})),
            pdpb::OK);
  EXPECT_EQ(s.state.regions().size(), 2u);
  // The pre-split region reported late is stale against both.
  EXPECT_EQ(ErrorOf(s.Apply(PutRegion{MakeRegion(2, "", "", 1, {{3, 1}})})),
            pdpb::UNKNOWN);
  EXPECT_EQ(s.state.regions().at(2).end_key(), "m");
  // A merge back (version 3) drops the region it covers.
  ASSERT_EQ(ErrorOf(s.Apply(PutRegion{MakeRegion(2, "", "", 3, {{3, 1}})})),
            pdpb::OK);
  EXPECT_EQ(s.state.regions().size(), 1u);
  EXPECT_EQ(ErrorOf(s.Apply(PutRegion{MakeRegion(12, "b", "a", 4, {})})),
            pdpb::INVALID_VALUE);
}

TEST(PdStateTest, TheTsoBoundAndTheIdEndOnlyGrow) {
  Applied s;
  ASSERT_EQ(ErrorOf(s.Apply(SaveTsoBound{5000})), pdpb::OK);
  ASSERT_EQ(ErrorOf(s.Apply(SaveTsoBound{4000})), pdpb::OK);
  EXPECT_EQ(ErrorOf(s.Apply(SaveTsoBound{-1})), pdpb::INVALID_VALUE);
  EXPECT_EQ(s.state.tso_bound_ms(), 5000);
  ASSERT_EQ(ErrorOf(s.Apply(SaveIdEnd{2000})), pdpb::OK);
  ASSERT_EQ(ErrorOf(s.Apply(SaveIdEnd{1000})), pdpb::OK);
  EXPECT_EQ(s.state.id_end(), 2000u);
}

TEST(PdStateTest, SafePointsFollowTheCoreAndPersist) {
  Applied s;
  auto service = s.Apply(UpdateServiceSafePoint{"br", 80, 10, 0});
  ASSERT_EQ(ErrorOf(service), pdpb::OK);
  EXPECT_EQ(service.safe_point, 80u);
  EXPECT_EQ(service.service_id, "br");
  // GC is held back by the service, then refuses to go back (answering
  // with the safe point in force, as PD does).
  EXPECT_EQ(s.Apply(UpdateGcSafePoint{100, 1000}).safe_point, 80u);
  EXPECT_EQ(s.Apply(UpdateGcSafePoint{50, 1000}).safe_point, 80u);
  EXPECT_EQ(ErrorOf(s.Apply(UpdateServiceSafePoint{"cdc", 70, 10, 1000})),
            pdpb::UNKNOWN);
  EXPECT_EQ(ErrorOf(s.Apply(UpdateServiceSafePoint{"", 90, 10, 1000})),
            pdpb::INVALID_VALUE);
  // After the TTL the service no longer holds GC back, and its record goes.
  EXPECT_EQ(s.Apply(UpdateGcSafePoint{100, 20'000}).safe_point, 100u);
  EXPECT_TRUE(s.state.SafePoints().services().empty());
  auto reloaded = PdState::Load(s.engine);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->gc_safe_point(), 100u);
}

TEST(PdStateTest, EtcdKeysHaveRevisionsAndRanges) {
  Applied s;
  EXPECT_EQ(s.Apply(EtcdPut{"/a", "1"}).revision, 1);
  auto second = s.Apply(EtcdPut{"/a", "2"});
  EXPECT_EQ(second.revision, 2);
  ASSERT_EQ(second.previous.size(), 1u);
  EXPECT_EQ(second.previous[0].second.value, "1");
  EXPECT_EQ(s.Apply(EtcdPut{"/b", "3"}).revision, 3);
  EXPECT_EQ(ErrorOf(s.Apply(EtcdPut{"", "x"})), pdpb::INVALID_VALUE);
  const EtcdValue& a = s.state.etcd().at("/a");
  EXPECT_EQ(a, (EtcdValue{"2", 1, 2, 2}));
  EXPECT_EQ(s.state.EtcdRange("/a", "", 0).size(), 1u);
  EXPECT_EQ(s.state.EtcdRange("/", "0", 0).size(), 2u);  // prefix "/"
  EXPECT_EQ(s.state.EtcdRange("/", std::string("\0", 1), 1).size(), 1u);
  EXPECT_EQ(s.state.EtcdCount("/", std::string("\0", 1)), 2u);
  EXPECT_TRUE(s.state.EtcdRange("/c", "", 0).empty());
  auto none = s.Apply(EtcdDeleteRange{"/c", ""});
  EXPECT_EQ(none.deleted, 0);
  EXPECT_EQ(none.revision, 3);  // nothing deleted: no new revision
  auto all = s.Apply(EtcdDeleteRange{"/", "0"});
  EXPECT_EQ(all.deleted, 2);
  EXPECT_EQ(all.revision, 4);
  EXPECT_TRUE(s.state.etcd().empty());
}

// ---------------------------------------------------------------- records

CommandBody ArbitraryCommand() {
  const auto key = "/k" + std::to_string(*rc::gen::inRange(0, 4));
  const auto store_id = *rc::gen::inRange<uint64_t>(1, 5);
  const auto now_ms = *rc::gen::inRange<int64_t>(0, 60'000);
  switch (*rc::gen::inRange(0, 10)) {
    case 0:
      return SetClusterId{*rc::gen::inRange<uint64_t>(0, 3)};
    case 1:
      return BootstrapCluster{MakeStore(1, "s1"),
                              MakeRegion(2, "", "", 1, {{3, 1}})};
    case 2:
      return PutStore{MakeStore(store_id, "s" + std::to_string(store_id))};
    case 3:
      return SetStoreState{
          store_id,
          *rc::gen::element(metapb::Up, metapb::Offline, metapb::Tombstone)};
    case 4: {
      const auto split = *rc::gen::inRange(0, 3);
      const std::string at(1, static_cast<char>('b' + split));
      return PutRegion{*rc::gen::element(
          MakeRegion(2, "", at, 2 + split, {{3, 1}}),
          MakeRegion(10 + split, at, "", 2 + split, {{11, 1}}))};
    }
    case 5:
      return SaveTsoBound{*rc::gen::inRange<int64_t>(0, 10'000)};
    case 6:
      return SaveIdEnd{*rc::gen::inRange<uint64_t>(0, 10'000)};
    case 7:
      return UpdateGcSafePoint{*rc::gen::inRange<uint64_t>(0, 100), now_ms};
    case 8:
      return UpdateServiceSafePoint{*rc::gen::element<std::string>("br", "cdc"),
                                    *rc::gen::inRange<uint64_t>(0, 100),
                                    *rc::gen::inRange<int64_t>(-1, 30), now_ms};
    default:
      if (*rc::gen::arbitrary<bool>()) {
        return EtcdPut{key, *rc::gen::arbitrary<std::string>()};
      }
      return EtcdDeleteRange{
          key, *rc::gen::element<std::string>("", "/k3", std::string("\0", 1))};
  }
}

// The state is exactly its records: after any commands, the engine holds
// Records(), and both a reload from the engine and a restore from the
// snapshot data give the same records back.
RC_GTEST_PROP_N(PdStateProperty, StateIsExactlyItsRecords, 200, 50, ()) {
  Applied s;
  const int steps = *rc::gen::inRange(1, 60);
  for (int i = 0; i < steps; ++i) (void)s.Apply(ArbitraryCommand());
  const auto records = s.state.Records();
  RC_ASSERT(EngineRecords(s.engine) == records);
  auto reloaded = PdState::Load(s.engine);
  RC_ASSERT(reloaded.ok());
  RC_ASSERT(reloaded->Records() == records);
  auto restored = PdState::FromSnapshotData(s.state.SnapshotData());
  RC_ASSERT(restored.ok());
  RC_ASSERT(restored->Records() == records);
}

TEST(PdStateTest, ACorruptRecordIsDataLoss) {
  core::engine::MemEngine engine;
  core::env::WriteBatch batch;
  batch.Put(Cf::kDefault, "pd/tso_bound", "\xff");
  ASSERT_TRUE(engine.Write(batch, {}).ok());
  EXPECT_EQ(PdState::Load(engine).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(PdState::FromSnapshotData("\x05").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace pd::server
