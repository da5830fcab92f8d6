// The transport's framing: frames and hellos round-trip; a frame longer than
// the maximum is refused with a clear, sticky error; and two properties
// against the model "a stream is the concatenation of its frames": any split
// of the stream into reads yields the same frames, and arbitrary bytes cut
// anywhere never crash the decoder nor make it invent bytes.
#include "store/transport/frame.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace store::transport {
namespace {

std::string Stream(const std::vector<std::string>& payloads) {
  std::string out;
  for (const std::string& payload : payloads) AppendFrame(&out, payload);
  return out;
}

// Feeds `stream` cut at `cuts` (offsets, any order, clamped) and collects
// frames until the first error.
struct Decoded {
  std::vector<std::string> frames;
  bool failed = false;
  std::string error;
  size_t left_over = 0;
};
Decoded Decode(const std::string& stream, std::vector<size_t> cuts,
               size_t max_frame_bytes) {
  for (size_t& cut : cuts) cut = stream.empty() ? 0 : cut % stream.size();
  std::sort(cuts.begin(), cuts.end());
  cuts.push_back(stream.size());
  FrameDecoder decoder(max_frame_bytes);
  Decoded out;
  size_t at = 0;
  for (size_t cut : cuts) {
    decoder.Append(std::string_view(stream).substr(at, cut - at));
    at = cut;
    while (true) {
      auto frame = decoder.Next();
      if (!frame.ok()) {
        out.failed = true;
        out.error = frame.error().reason;
        return out;
      }
      if (!frame->has_value()) break;
      out.frames.push_back(**frame);
    }
  }
  out.left_over = decoder.buffered_bytes();
  return out;
}

TEST(FrameTest, FramesRoundTripIncludingEmptyOnes) {
  const std::vector<std::string> payloads = {"raft", "", std::string(300, 'x'),
                                             std::string("\0\xff", 2)};
  const std::string stream = Stream(payloads);
  EXPECT_EQ(stream.size(), 4 * kFrameHeaderBytes + 4 + 300 + 2);
  EXPECT_EQ(stream.substr(0, 4), std::string("\0\0\0\x04", 4))
      << "big-endian length, as gRPC's length prefix";
  const Decoded decoded = Decode(stream, {}, kDefaultMaxFrameBytes);
  EXPECT_FALSE(decoded.failed) << decoded.error;
  EXPECT_EQ(decoded.frames, payloads);
  EXPECT_EQ(decoded.left_over, 0u);
}

TEST(FrameTest, PartialFramesWaitForTheRest) {
  const std::string stream = Stream({"hello world"});
  FrameDecoder decoder(64);
  for (size_t i = 0; i + 1 < stream.size(); ++i) {
    decoder.Append(stream.substr(i, 1));
    auto frame = decoder.Next();
    ASSERT_TRUE(frame.ok());
    EXPECT_FALSE(frame->has_value()) << "complete after " << i + 1 << " bytes";
  }
  decoder.Append(stream.substr(stream.size() - 1));
  auto frame = decoder.Next();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ(**frame, "hello world");
}

TEST(FrameTest, OversizedFrameIsRefusedAndTheErrorSticks) {
  FrameDecoder decoder(16);
  std::string stream = Stream({std::string(16, 'a')});
  stream += std::string("\xff\xff\xff\xff", 4) + "garbage";
  decoder.Append(stream);
  auto first = decoder.Next();
  ASSERT_TRUE(first.ok() && first->has_value()) << "exactly the maximum fits";
  auto refused = decoder.Next();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason,
            "frame of 4294967295 bytes exceeds the maximum of 16");
  EXPECT_TRUE(decoder.failed());
  EXPECT_EQ(decoder.buffered_bytes(), 0u) << "nothing of it is kept";
  decoder.Append(Stream({"ok"}));
  EXPECT_FALSE(decoder.Next().ok()) << "out of sync for good";
}

TEST(FrameTest, HelloRoundTripsAndGarbageIsAnError) {
  auto hello = DecodeHello(EncodeHello("n1:7000"));
  ASSERT_TRUE(hello.ok()) << hello.error().reason;
  EXPECT_EQ(*hello, "n1:7000");
  EXPECT_FALSE(DecodeHello("").ok());
  EXPECT_FALSE(DecodeHello("raft message").ok());
  const std::string good = EncodeHello("client:20000");
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeHello(good.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(DecodeHello(good + "x").ok());
  std::string bad_version = good;
  bad_version[4] = 2;
  EXPECT_EQ(DecodeHello(bad_version).error().reason, "hello: unknown version");
}

RC_GTEST_PROP(FrameProperty, AnySplitOfTheStreamYieldsTheSameFrames,
              (const std::vector<std::string>& payloads,
               const std::vector<size_t>& cuts)) {
  const Decoded decoded = Decode(Stream(payloads), cuts, kDefaultMaxFrameBytes);
  RC_ASSERT(!decoded.failed);
  RC_ASSERT(decoded.frames == payloads);
  RC_ASSERT(decoded.left_over == 0u);
}

RC_GTEST_PROP(FrameProperty, GarbageNeverCrashesNorInventsBytes,
              (const std::string& bytes, const std::vector<size_t>& cuts)) {
  const size_t max_frame_bytes = *rc::gen::inRange<size_t>(0, 64);
  const Decoded decoded = Decode(bytes, cuts, max_frame_bytes);
  size_t consumed = decoded.left_over;
  for (const std::string& frame : decoded.frames) {
    RC_ASSERT(frame.size() <= max_frame_bytes);
    consumed += kFrameHeaderBytes + frame.size();
  }
  if (!decoded.failed) RC_ASSERT(consumed == bytes.size());
  RC_ASSERT(consumed <= bytes.size());
  // Splitting garbage changes nothing either.
  const Decoded whole = Decode(bytes, {}, max_frame_bytes);
  RC_ASSERT(whole.frames == decoded.frames);
  RC_ASSERT(whole.failed == decoded.failed);
  (void)core::base::Ignore(DecodeHello(bytes));
}

}  // namespace
}  // namespace store::transport
