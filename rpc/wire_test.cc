// gRPC's wire encodings: golden bytes from gRPC's PROTOCOL-HTTP2.md and the
// values grpc-go sends (interop reference §7), round-trip properties, and
// arbitrary bytes into every decoder (a byte-level fuzz: never a crash,
// always a value or an error).
#include "rpc/wire.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace rpc {
namespace {

using core::base::Duration;

std::string Prefixed(uint8_t flag, uint32_t length, std::string payload) {
  std::string out(1, static_cast<char>(flag));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  return out + payload;
}

// Every message the decoder yields from `bytes` cut into `cuts`-sized
// pieces, and its error if any.
struct Decoded {
  std::vector<std::string> messages;
  std::optional<MessageError> error;
};
Decoded DecodeAll(const std::string& bytes, size_t max, size_t piece) {
  MessageDecoder decoder(max);
  Decoded decoded;
  for (size_t at = 0; at < bytes.size() && !decoded.error; at += piece) {
    decoder.Append(std::string_view(bytes).substr(at, piece));
    while (true) {
      auto next = decoder.Next();
      if (!next.ok()) {
        decoded.error = next.error();
        break;
      }
      std::optional<std::string> message = std::move(next).value();
      if (!message.has_value()) break;
      decoded.messages.push_back(*message);
    }
  }
  return decoded;
}

TEST(MessageFramingTest, PrefixIsFlagAndBigEndianLength) {
  std::string out;
  AppendMessage(&out, "abc");
  EXPECT_EQ(out, std::string("\0\0\0\0\3abc", 8));
  out.clear();
  AppendMessage(&out, "");
  EXPECT_EQ(out, std::string(5, '\0')) << "an empty message is a bare prefix";
  out.clear();
  AppendMessage(&out, std::string(0x010203, 'x'));
  EXPECT_EQ(out.substr(0, 5), std::string("\0\0\x01\x02\x03", 5));
}

TEST(MessageFramingTest, MessagesSplitAnywhereReassemble) {
  std::string bytes;
  for (const char* m : {"first", "", "third message"}) AppendMessage(&bytes, m);
  for (size_t piece = 1; piece <= bytes.size(); ++piece) {
    Decoded decoded = DecodeAll(bytes, 100, piece);
    EXPECT_FALSE(decoded.error.has_value());
    EXPECT_EQ(decoded.messages,
              (std::vector<std::string>{"first", "", "third message"}))
        << "piece " << piece;
  }
}

TEST(MessageFramingTest, OversizedLengthIsRefusedBeforeItsPayload) {
  // Only the prefix has arrived: the length alone condemns the message.
  Decoded decoded = DecodeAll(Prefixed(0, 11, ""), 10, 5);
  ASSERT_TRUE(decoded.error.has_value());
  EXPECT_EQ(decoded.error->code, absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(decoded.error->message,
            "grpc: received message larger than max (11 vs. 10)");
  EXPECT_FALSE(
      DecodeAll(Prefixed(0, 10, std::string(10, 'x')), 10, 3).error.has_value())
      << "exactly the maximum is fine";
}

TEST(MessageFramingTest, CompressedOrUnknownFlagIsInternal) {
  Decoded compressed = DecodeAll(Prefixed(1, 1, "x"), 10, 6);
  ASSERT_TRUE(compressed.error.has_value());
  EXPECT_EQ(compressed.error->code, absl::StatusCode::kInternal);
  EXPECT_EQ(compressed.error->message,
            "grpc: compressed flag set with identity or empty encoding");
  Decoded garbage = DecodeAll(Prefixed(0x80, 1, "x"), 10, 6);
  ASSERT_TRUE(garbage.error.has_value());
  EXPECT_EQ(garbage.error->code, absl::StatusCode::kInternal);
}

TEST(MessageFramingTest, FailureIsSticky) {
  MessageDecoder decoder(10);
  decoder.Append(Prefixed(1, 1, "x"));
  EXPECT_FALSE(decoder.Next().ok());
  decoder.Append(Prefixed(0, 1, "y"));
  EXPECT_FALSE(decoder.Next().ok()) << "the stream is out of sync for good";
  EXPECT_TRUE(decoder.failed());
}

TEST(MessageFramingTest, TruncatedMessageAtEndOfStreamIsInternal) {
  MessageDecoder decoder(10);
  EXPECT_FALSE(decoder.Finish().has_value()) << "nothing buffered";
  decoder.Append(Prefixed(0, 4, "ab"));
  EXPECT_TRUE(decoder.Next().ok());
  std::optional<MessageError> error = decoder.Finish();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, absl::StatusCode::kInternal);
}

TEST(TimeoutTest, ParsesEveryUnit) {
  EXPECT_EQ(ParseTimeout("1H"), Duration::Seconds(3600));
  EXPECT_EQ(ParseTimeout("2M"), Duration::Seconds(120));
  EXPECT_EQ(ParseTimeout("3S"), Duration::Seconds(3));
  EXPECT_EQ(ParseTimeout("4m"), Duration::Milliseconds(4));
  EXPECT_EQ(ParseTimeout("2988867u"), Duration::Microseconds(2988867))
      << "what grpc-go sent in the interop measurements";
  EXPECT_EQ(ParseTimeout("99999999n"), Duration::Nanoseconds(99999999));
  EXPECT_EQ(ParseTimeout("0m"), Duration::Zero());
}

TEST(TimeoutTest, RefusesMalformedValues) {
  for (const char* bad : {"", "S", "1", "1s", "123456789S", "-1S", "1.5S",
                          " 1S", "1S ", "1x", "１S"}) {
    EXPECT_FALSE(ParseTimeout(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(TimeoutTest, HugeValuesSaturate) {
  std::optional<Duration> huge = ParseTimeout("99999999H");
  ASSERT_TRUE(huge.has_value());
  EXPECT_GT(*huge, Duration::Seconds(int64_t{100} * 365 * 86400));
}

TEST(TimeoutTest, FormatPicksTheFinestUnitThatFits) {
  EXPECT_EQ(FormatTimeout(Duration::Nanoseconds(1)), "1n");
  EXPECT_EQ(FormatTimeout(Duration::Nanoseconds(99999999)), "99999999n");
  EXPECT_EQ(FormatTimeout(Duration::Milliseconds(100)), "100000u")
      << "100000000n has 9 digits";
  EXPECT_EQ(FormatTimeout(Duration::Seconds(1)), "1000000u");
  EXPECT_EQ(FormatTimeout(Duration::Seconds(30)), "30000000u");
  EXPECT_EQ(FormatTimeout(Duration::Seconds(3600)), "3600000m");
  EXPECT_EQ(FormatTimeout(Duration::Nanoseconds(100000001)), "100001u")
      << "rounded up: the server never sees less time than we allow";
}

RC_GTEST_PROP(TimeoutTest, FormatThenParseNeverShortens, ()) {
  const int64_t ns = *rc::gen::inRange<int64_t>(1, int64_t{1} << 62);
  const Duration timeout = Duration::Nanoseconds(ns);
  const std::string text = FormatTimeout(timeout);
  RC_ASSERT(text.size() <= 9u);
  std::optional<Duration> parsed = ParseTimeout(text);
  RC_ASSERT(parsed.has_value());
  RC_ASSERT(*parsed >= timeout);
  // Less than one unit over, and a coarser unit is only taken once the
  // value has 9 digits in the finer one (units are at most 1000 apart), so
  // the value in it is at least 10^5: at most 1 part in 10^5 over.
  RC_ASSERT((*parsed - timeout).nanoseconds() <= ns / 100000 + 1);
}

TEST(PercentEncodingTest, EncodesOutsidePrintableAsciiAndPercent) {
  EXPECT_EQ(PercentEncode("plain text: ok"), "plain text: ok");
  EXPECT_EQ(PercentEncode("50%"), "50%25");
  EXPECT_EQ(PercentEncode("a\nb"), "a%0Ab");
  EXPECT_EQ(PercentEncode("\xe2\x82\xac"), "%E2%82%AC") << "UTF-8 euro sign";
}

TEST(PercentEncodingTest, DecodeKeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("%E2%82%AC"), "\xe2\x82\xac");
  EXPECT_EQ(PercentDecode("%e2%82%ac"), "\xe2\x82\xac") << "lower-case hex";
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%G0 and %4"), "%G0 and %4");
}

RC_GTEST_PROP(PercentEncodingTest, RoundTripsAnyBytes, (std::string message)) {
  const std::string encoded = PercentEncode(message);
  for (char c : encoded) {
    RC_ASSERT(c >= 0x20 && c <= 0x7e);
  }
  RC_ASSERT(PercentDecode(encoded) == message);
}

TEST(StatusCodeTest, ParsesKnownCodesAndRefusesTheRest) {
  EXPECT_EQ(ParseStatusCode("0"), absl::StatusCode::kOk);
  EXPECT_EQ(ParseStatusCode("12"), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(ParseStatusCode("16"), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ParseStatusCode("04"), absl::StatusCode::kDeadlineExceeded)
      << "leading zeros parse, as in grpc-go";
  for (const char* bad : {"", "17", "99", "-1", "1a", "+1", " 1", "4 "}) {
    EXPECT_EQ(ParseStatusCode(bad), absl::StatusCode::kUnknown) << bad;
  }
}

TEST(StatusCodeTest, MapsHttp2ErrorsAndHttpStatusesAsGrpcDoes) {
  EXPECT_EQ(StatusCodeFromHttp2Error(0x7), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeFromHttp2Error(0x8), absl::StatusCode::kCancelled);
  EXPECT_EQ(StatusCodeFromHttp2Error(0xb),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusCodeFromHttp2Error(0x1), absl::StatusCode::kInternal);
  EXPECT_EQ(StatusCodeFromHttpStatus(404), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(StatusCodeFromHttpStatus(503), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeFromHttpStatus(418), absl::StatusCode::kUnknown);
}

TEST(ContentTypeTest, AcceptsGrpcAndItsSuffixes) {
  EXPECT_TRUE(IsGrpcContentType("application/grpc"));
  EXPECT_TRUE(IsGrpcContentType("application/grpc+proto"));
  EXPECT_TRUE(IsGrpcContentType("application/grpc;charset=utf-8"));
  EXPECT_FALSE(IsGrpcContentType("application/grpcx"));
  EXPECT_FALSE(IsGrpcContentType("application/json"));
  EXPECT_FALSE(IsGrpcContentType(""));
}

// Byte-level fuzz: anything at all, cut anywhere, into the decoder and the
// header parsers. Whatever comes out is a value or an error; messages that
// come out are exactly those whose prefixes said so.
RC_GTEST_PROP(WireFuzzTest, ArbitraryBytesNeverCrashTheDecoders,
              (std::string bytes)) {
  const size_t piece = *rc::gen::inRange<size_t>(1, bytes.size() + 2);
  const size_t max = *rc::gen::inRange<size_t>(0, 64);
  Decoded decoded = DecodeAll(bytes, max, piece);
  size_t consumed = 0;
  for (const std::string& m : decoded.messages) {
    RC_ASSERT(m.size() <= max);
    consumed += kMessagePrefixBytes + m.size();
  }
  RC_ASSERT(consumed <= bytes.size());
  (void)ParseTimeout(bytes);
  (void)PercentDecode(bytes);
  (void)ParseStatusCode(bytes);
  (void)IsGrpcContentType(bytes);
}

RC_GTEST_PROP(WireFuzzTest, ValidStreamsDecodeToWhatWasFramed,
              (std::vector<std::string> messages)) {
  std::string bytes;
  size_t max = 0;
  for (const std::string& m : messages) {
    AppendMessage(&bytes, m);
    max = std::max(max, m.size());
  }
  const size_t piece = *rc::gen::inRange<size_t>(1, bytes.size() + 2);
  Decoded decoded = DecodeAll(bytes, max, piece);
  RC_ASSERT(!decoded.error.has_value());
  RC_ASSERT(decoded.messages == messages);
}

}  // namespace
}  // namespace rpc
