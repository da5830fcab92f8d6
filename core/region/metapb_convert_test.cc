// Round trips between core::region and metapb, and rejection of malformed
// messages.
#include "core/region/metapb_convert.h"

#include <gtest/gtest.h>

namespace core::region {
namespace {

TEST(MetapbConvertTest, RoundTrip) {
  Region region{.id = 7,
                .start_key = std::string("a\0b", 3),
                .end_key = "z",
                .epoch = {.conf_ver = 3, .version = 9},
                .peers = {{1, 1, PeerRole::kVoter},
                          {2, 2, PeerRole::kLearner},
                          {3, 3, PeerRole::kIncomingVoter},
                          {4, 4, PeerRole::kDemotingVoter}}};
  metapb::Region message = ToMetapb(region);
  EXPECT_EQ(message.peers(1).role(), metapb::Learner);
  EXPECT_EQ(message.region_epoch().version(), 9u);
  metapb::Region parsed;
  ASSERT_TRUE(parsed.ParseFromString(message.SerializeAsString()));
  auto back = FromMetapb(parsed);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back.value(), region);
}

TEST(MetapbConvertTest, RejectsMalformedRegions) {
  metapb::Region message;
  message.set_id(1);
  message.set_start_key("z");
  message.set_end_key("a");
  message.add_peers()->set_id(1);
  message.mutable_peers(0)->set_store_id(1);
  EXPECT_FALSE(FromMetapb(message).ok());

  message.set_start_key("a");
  message.set_end_key("z");
  EXPECT_TRUE(FromMetapb(message).ok());
  message.mutable_peers(0)->set_role(static_cast<metapb::PeerRole>(42));
  auto unknown = FromMetapb(message);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().ToString().find("unknown peer role"),
            std::string::npos);

  message.mutable_peers(0)->set_role(metapb::Voter);
  message.mutable_peers(0)->set_is_witness(true);
  EXPECT_FALSE(FromMetapb(message).ok());
}

}  // namespace
}  // namespace core::region
