// Field numbers are the wire contract with stock TiKV clients: these golden
// bytes must match kvproto's encoding of the same message.
#include <gtest/gtest.h>

#include "proto/metapb.pb.h"

namespace {

std::string Hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

TEST(MetapbTest, RegionGoldenBytes) {
  metapb::Region region;
  region.set_id(2);
  region.set_start_key("a");
  region.set_end_key("b");
  region.mutable_region_epoch()->set_conf_ver(1);
  region.mutable_region_epoch()->set_version(3);
  metapb::Peer* peer = region.add_peers();
  peer->set_id(4);
  peer->set_store_id(5);
  peer->set_role(metapb::Learner);
  // 08 02 | 12 01 'a' | 1a 01 'b' | 22 04 (08 01 10 03) | 2a 06 (08 04 10 05 18
  // 01)
  EXPECT_EQ(Hex(region.SerializeAsString()),
            "08021201611a0162220408011003"
            "2a06080410051801");
}

TEST(MetapbTest, RoundTrip) {
  metapb::Store store;
  store.set_id(1);
  store.set_address("127.0.0.1:20160");
  store.set_state(metapb::Offline);
  metapb::Store decoded;
  ASSERT_TRUE(decoded.ParseFromString(store.SerializeAsString()));
  EXPECT_EQ(decoded.address(), "127.0.0.1:20160");
  EXPECT_EQ(decoded.state(), metapb::Offline);
}

}  // namespace
