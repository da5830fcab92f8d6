// The register's wire format: every command and response round-trips, and
// arbitrary or truncated bytes decode to an error, never a crash.
#include "sim/register/protocol.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <limits>

namespace sim::register_kv {
namespace {

Command SampleCas() {
  return Command{.kind = CommandKind::kCas,
                 .client = 7,
                 .seq = 300,
                 .key = "k2",
                 .value = -5,
                 .expected = std::numeric_limits<int64_t>::min()};
}

TEST(ProtocolTest, CommandRoundTrips) {
  const Command c = SampleCas();
  auto decoded = DecodeCommand(EncodeCommand(c));
  ASSERT_TRUE(decoded.ok()) << decoded.error().reason;
  EXPECT_EQ(*decoded, c);
}

TEST(ProtocolTest, TruncatedAndTrailingBytesAreErrors) {
  const std::string bytes = EncodeCommand(SampleCas());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeCommand(bytes.substr(0, n)).ok()) << n;
  }
  auto trailing = DecodeCommand(bytes + "x");
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.error().reason.find("trailing"), std::string::npos);
}

TEST(ProtocolTest, ResponseRoundTripsWithAndWithoutValue) {
  Response r{.client = 1, .seq = 2, .outcome = Outcome::kOk, .value = 42};
  EXPECT_EQ(*DecodeResponse(EncodeResponse(r)), r);
  r.value.reset();
  r.outcome = Outcome::kUnavailable;
  r.leader_hint = 3;
  EXPECT_EQ(*DecodeResponse(EncodeResponse(r)), r);
}

RC_GTEST_PROP(ProtocolProperty, CommandsRoundTrip,
              (uint64_t client, uint64_t seq, std::string key, int64_t value,
               int64_t expected)) {
  const auto kind = *rc::gen::element(CommandKind::kGet, CommandKind::kPut,
                                      CommandKind::kCas);
  const Command c{kind, client, seq, key, value, expected};
  auto decoded = DecodeCommand(EncodeCommand(c));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == c);
}

RC_GTEST_PROP(ProtocolProperty, ArbitraryBytesNeverCrash,
              (const std::string& bytes)) {
  (void)core::base::Ignore(DecodeCommand(bytes));
  (void)core::base::Ignore(DecodeResponse(bytes));
}

}  // namespace
}  // namespace sim::register_kv
