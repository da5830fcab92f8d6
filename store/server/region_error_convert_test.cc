// FromErrorpb for the raftstore's armless peer id mismatch: a region error
// (so the client reloads the region), not an InvalidArgument status.
#include "store/server/region_error_convert.h"

#include <gtest/gtest.h>

#include <variant>

#include "store/raftstore/region_error.h"

namespace store::server {
namespace {

TEST(RegionErrorConvertTest, MismatchPeerIdIsARegionError) {
  const storage::EngineError error =
      FromErrorpb(raftstore::MismatchPeerIdError(3, 14));
  const auto* region = std::get_if<storage::RegionError>(&error);
  ASSERT_NE(region, nullptr);
  const auto* mismatch = std::get_if<storage::MismatchPeerId>(region);
  ASSERT_NE(mismatch, nullptr);
  EXPECT_EQ(mismatch->request_peer_id, 3u);
  EXPECT_EQ(mismatch->store_peer_id, 14u);
}

TEST(RegionErrorConvertTest, OtherArmlessErrorsStayStatuses) {
  const storage::EngineError error =
      FromErrorpb(raftstore::OtherError("invalid command"));
  EXPECT_TRUE(std::holds_alternative<absl::Status>(error));
}

}  // namespace
}  // namespace store::server
