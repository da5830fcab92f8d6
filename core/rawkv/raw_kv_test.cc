// Tests for raw KV over MemEngine: each RawKV operation by example (TiKV
// semantics, Ref: reference tikv.md §1.1), TTL expiry, the separation of raw
// keys from other keys, the input limits, golden bytes of the persisted value
// encoding, and a RapidCheck model test of random operation sequences against
// a std::map holding (value, expire time).
#include "core/rawkv/raw_kv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "core/base/bytes.h"
#include "core/base/testing/rapidcheck_gtest.h"
#include "core/engine/mem_engine.h"
#include "core/rawkv/raw_value.h"

namespace core::rawkv {
namespace {

using env::Cf;
using ::testing::ElementsAre;
using namespace std::string_literals;

constexpr uint64_t kNow = 1'700'000'000;

KvPair P(std::string key, std::string value) {
  return KvPair{std::move(key), std::move(value)};
}

class RawKvTest : public ::testing::Test {
 protected:
  void Put(std::string key, std::string value, uint64_t ttl = 0,
           Cf cf = Cf::kDefault) {
    ASSERT_TRUE(store_
                    .Put(PutRequest{.cf = cf,
                                    .key = std::move(key),
                                    .value = std::move(value),
                                    .ttl_seconds = ttl},
                         kNow)
                    .ok());
  }
  std::optional<std::string> Get(std::string_view key, uint64_t now = kNow,
                                 Cf cf = Cf::kDefault) {
    auto got = store_.Get(cf, key, now);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? *got : std::nullopt;
  }
  std::vector<KvPair> Scan(ScanRequest request, uint64_t now = kNow) {
    auto got = store_.Scan(request, now);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? *got : std::vector<KvPair>{};
  }

  engine::MemEngine engine_;
  RawKvStore store_{engine_};
};

TEST(RawValueTest, GoldenBytes) {
  // DO NOT CHANGE: persisted encodings.
  EXPECT_EQ(EncodeRawValue("ab", std::nullopt), "ab\x00"s);
  EXPECT_EQ(EncodeRawValue("", std::nullopt), "\x00"s);
  EXPECT_EQ(EncodeRawValue("ab", 0x0102030405060708ULL),
            "ab\x01\x02\x03\x04\x05\x06\x07\x08\x01"s);
}

TEST(RawValueTest, MalformedEncodingsAreDataLoss) {
  for (const std::string& bad : {""s, "v\x80"s, "v\x03"s, "1234567\x01"s}) {
    EXPECT_EQ(DecodeRawValue(bad).status().code(), absl::StatusCode::kDataLoss)
        << base::EscapeBytes(bad);
  }
}

RC_GTEST_PROP(RawValueProperty, RoundTrips,
              (std::string user_value, bool has_ttl, uint64_t expire_ts)) {
  const std::optional<uint64_t> expire =
      has_ttl ? std::optional<uint64_t>(expire_ts) : std::nullopt;
  auto decoded = DecodeRawValue(EncodeRawValue(user_value, expire));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == (RawValue{user_value, expire}));
}

TEST_F(RawKvTest, PutGetDelete) {
  Put("k", "v");
  Put("empty", "");
  EXPECT_EQ(Get("k"), "v");
  EXPECT_EQ(Get("empty"), "");
  EXPECT_EQ(Get("missing"), std::nullopt);
  EXPECT_EQ(Get("k", kNow, Cf::kWrite), std::nullopt);
  ASSERT_TRUE(store_.Delete(Cf::kDefault, "k").ok());
  EXPECT_EQ(Get("k"), std::nullopt);
  ASSERT_TRUE(store_.Delete(Cf::kDefault, "never-existed").ok());
}

TEST_F(RawKvTest, BatchPutBatchGetBatchDelete) {
  ASSERT_TRUE(store_
                  .BatchPut(Cf::kLock, {P("a", "1"), P("b", "2"), P("c", "3")},
                            {}, kNow)
                  .ok());
  auto got = store_.BatchGet(Cf::kLock, {"c", "x", "a"}, kNow);
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(*got, ElementsAre(P("c", "3"), P("a", "1")));
  ASSERT_TRUE(store_.BatchDelete(Cf::kLock, {"a", "c"}).ok());
  got = store_.BatchGet(Cf::kLock, {"a", "b", "c"}, kNow);
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(*got, ElementsAre(P("b", "2")));
}

TEST_F(RawKvTest, ScanForwardReverseKeyOnlyAndLimit) {
  for (std::string key : {"a", "b", "c", "d", "e"}) Put(key, key + "v");
  EXPECT_THAT(Scan({.start_key = "b", .end_key = "d", .limit = 10}),
              ElementsAre(P("b", "bv"), P("c", "cv")));
  EXPECT_THAT(Scan({.start_key = "b", .limit = 2}),
              ElementsAre(P("b", "bv"), P("c", "cv")));
  EXPECT_THAT(
      Scan({.limit = 100, .key_only = true}),
      ElementsAre(P("a", ""), P("b", ""), P("c", ""), P("d", ""), P("e", "")));
  // Reverse, as in TiKV: start_key is the exclusive upper end, end_key the
  // inclusive lower end.
  EXPECT_THAT(
      Scan({.start_key = "d", .end_key = "b", .limit = 10, .reverse = true}),
      ElementsAre(P("c", "cv"), P("b", "bv")));
  EXPECT_THAT(Scan({.limit = 2, .reverse = true}),
              ElementsAre(P("e", "ev"), P("d", "dv")));
  EXPECT_TRUE(Scan({.limit = 0}).empty());
}

TEST_F(RawKvTest, DeleteRangeIsHalfOpen) {
  for (std::string key : {"a", "b", "c", "d"}) Put(key, "v");
  ASSERT_TRUE(store_.DeleteRange(Cf::kDefault, "b", "d").ok());
  EXPECT_THAT(Scan({.limit = 10, .key_only = true}),
              ElementsAre(P("a", ""), P("d", "")));
  ASSERT_TRUE(store_.DeleteRange(Cf::kDefault, "", "z").ok());
  EXPECT_TRUE(Scan({.limit = 10}).empty());
}

TEST_F(RawKvTest, TtlExpiresAndIsReported) {
  Put("short", "s", /*ttl=*/10);
  Put("forever", "f");
  EXPECT_EQ(Get("short", kNow + 9), "s");
  EXPECT_EQ(Get("short", kNow + 10), std::nullopt);
  EXPECT_EQ(*store_.GetKeyTtl(Cf::kDefault, "short", kNow + 4), 6u);
  EXPECT_EQ(*store_.GetKeyTtl(Cf::kDefault, "short", kNow + 10), std::nullopt);
  EXPECT_EQ(*store_.GetKeyTtl(Cf::kDefault, "forever", kNow + 1000), 0u);
  EXPECT_EQ(*store_.GetKeyTtl(Cf::kDefault, "missing", kNow), std::nullopt);
  // Expired keys are skipped by scans and batch gets, and do not count
  // towards the limit.
  EXPECT_THAT(Scan({.limit = 1}, kNow + 10), ElementsAre(P("forever", "f")));
  auto got = store_.BatchGet(Cf::kDefault, {"short", "forever"}, kNow + 10);
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(*got, ElementsAre(P("forever", "f")));
}

TEST_F(RawKvTest, BatchPutTtlsOnePerPairOrOneForAll) {
  ASSERT_TRUE(
      store_.BatchPut(Cf::kDefault, {P("a", "1"), P("b", "2")}, {5, 50}, kNow)
          .ok());
  EXPECT_EQ(Get("a", kNow + 5), std::nullopt);
  EXPECT_EQ(Get("b", kNow + 5), "2");
  ASSERT_TRUE(
      store_.BatchPut(Cf::kDefault, {P("c", "3"), P("d", "4")}, {7}, kNow)
          .ok());
  EXPECT_EQ(*store_.GetKeyTtl(Cf::kDefault, "d", kNow), 7u);
  EXPECT_EQ(
      store_.BatchPut(Cf::kDefault, {P("e", "5"), P("f", "6")}, {1, 2, 3}, kNow)
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Get("e"), std::nullopt);  // Nothing of a bad request is applied.
}

// The reference: a bit-at-a-time CRC-64/XZ over key then value, one digest
// per pair, xored together (tikv checksum_crc64_xor, and the expectation of
// tikv tests/integrations/storage/test_raw_kv_api.rs raw_checksum_ok).
uint64_t ReferenceCrc64(const std::string& bytes) {
  uint64_t crc = ~uint64_t{0};
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xc96c5795d7870f42ULL : crc >> 1;
    }
  }
  return ~crc;
}

TEST_F(RawKvTest, ChecksumMatchesAReferenceComputation) {
  Put("a", "1");
  Put("b", "22");
  Put("c", "333");
  Put("gone", "x", /*ttl=*/5);
  Put("b", "other-cf", 0, Cf::kWrite);
  auto sum = [&](std::vector<KeyRange> ranges, uint64_t now = kNow) {
    auto result =
        RawKv().Checksum(*engine_.NewSnapshot(), Cf::kDefault, ranges, now);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : ChecksumResult{};
  };
  const uint64_t a = ReferenceCrc64("a1"), b = ReferenceCrc64("b22"),
                 c = ReferenceCrc64("c333"), gone = ReferenceCrc64("gonex");
  EXPECT_EQ(sum({{"a", "c"}}), (ChecksumResult{a ^ b, 2, 5}));
  EXPECT_EQ(sum({{"", ""}}), (ChecksumResult{a ^ b ^ c ^ gone, 4, 14}));
  // Expired pairs do not count; ranges are summed one by one.
  EXPECT_EQ(sum({{"", ""}}, kNow + 5), (ChecksumResult{a ^ b ^ c, 3, 9}));
  EXPECT_EQ(sum({{"a", "b"}, {"c", ""}}, kNow + 5),
            (ChecksumResult{a ^ c, 2, 6}));
  EXPECT_EQ(sum({}), ChecksumResult{});
  EXPECT_EQ(
      RawKv()
          .Checksum(*engine_.NewSnapshot(), Cf::kDefault, {{"z", "a"}}, kNow)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(RawKvTest, CompareAndSwap) {
  auto cas = [&](std::optional<std::string> expected,
                 std::optional<std::string> new_value, uint64_t now = kNow,
                 uint64_t ttl = 0) {
    auto result = store_.CompareAndSwap(CasRequest{.key = "k",
                                                   .expected = expected,
                                                   .new_value = new_value,
                                                   .ttl_seconds = ttl},
                                        now);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : CasResult{};
  };
  CasResult r = cas(std::nullopt, "v1");  // previous_not_exist
  EXPECT_TRUE(r.succeeded);
  EXPECT_EQ(r.previous_value, std::nullopt);
  r = cas(std::nullopt, "v2");
  EXPECT_FALSE(r.succeeded);
  EXPECT_EQ(r.previous_value, "v1");
  EXPECT_EQ(Get("k"), "v1");
  r = cas("wrong", "v2");
  EXPECT_FALSE(r.succeeded);
  r = cas("v1", "v2", kNow, /*ttl=*/10);
  EXPECT_TRUE(r.succeeded);
  EXPECT_EQ(r.previous_value, "v1");
  // Once expired the key counts as absent.
  r = cas("v2", "v3", kNow + 10);
  EXPECT_FALSE(r.succeeded);
  EXPECT_EQ(r.previous_value, std::nullopt);
  r = cas(std::nullopt, "v3", kNow + 10);
  EXPECT_TRUE(r.succeeded);
  r = cas("v3", std::nullopt);  // Delete on match.
  EXPECT_TRUE(r.succeeded);
  EXPECT_EQ(Get("k"), std::nullopt);
}

TEST_F(RawKvTest, RawKeysLiveUnderTheirPrefixAndCannotReachOtherKeys) {
  Put("k", "v");
  EXPECT_EQ(*engine_.Get(Cf::kDefault, "rk"), EncodeRawValue("v", {}));
  env::WriteBatch txn;
  txn.Put(Cf::kDefault, "xk", "transactional");
  txn.Put(Cf::kDefault, "a-before", "other");
  ASSERT_TRUE(engine_.Write(txn, {}).ok());
  EXPECT_THAT(Scan({.limit = 10}), ElementsAre(P("k", "v")));
  EXPECT_THAT(Scan({.limit = 10, .reverse = true}), ElementsAre(P("k", "v")));
  ASSERT_TRUE(store_.DeleteRange(Cf::kDefault, "", "\xff\xff").ok());
  EXPECT_EQ(*engine_.Get(Cf::kDefault, "xk"), "transactional");
  EXPECT_EQ(*engine_.Get(Cf::kDefault, "a-before"), "other");
  EXPECT_EQ(*engine_.Get(Cf::kDefault, "rk"), std::nullopt);
}

TEST(RawKvOptionsTest, EmptyPrefixStoresKeysAsIs) {
  engine::MemEngine engine;
  RawKvStore store(engine, RawKvOptions{.key_prefix = ""});
  ASSERT_TRUE(store.Put({.key = "\xff\xff", .value = "v"}, kNow).ok());
  EXPECT_EQ(*engine.Get(Cf::kDefault, "\xff\xff"), EncodeRawValue("v", {}));
  auto scan = store.Scan({.limit = 5, .reverse = true}, kNow);
  ASSERT_TRUE(scan.ok());
  EXPECT_THAT(*scan, ElementsAre(P("\xff\xff", "v")));
}

TEST_F(RawKvTest, BadInputIsAClearError) {
  const auto invalid = absl::StatusCode::kInvalidArgument;
  const std::string big_key(kMaxKeyBytes + 1, 'k');
  const std::string max_key(kMaxKeyBytes, 'k');
  EXPECT_EQ(store_.Put({.key = "", .value = "v"}, kNow).code(), invalid);
  EXPECT_EQ(store_.Put({.key = big_key, .value = "v"}, kNow).code(), invalid);
  EXPECT_TRUE(store_.Put({.key = max_key, .value = "v"}, kNow).ok());
  EXPECT_EQ(store_.Get(Cf::kDefault, "", kNow).status().code(), invalid);
  EXPECT_EQ(store_.Get(Cf::kDefault, big_key, kNow).status().code(), invalid);
  EXPECT_EQ(store_.Get(Cf::kRaft, "k", kNow).status().code(), invalid);
  EXPECT_EQ(store_.Delete(Cf::kDefault, "").code(), invalid);
  EXPECT_EQ(store_.BatchGet(Cf::kDefault, {"a", ""}, kNow).status().code(),
            invalid);
  EXPECT_EQ(store_.Scan({.start_key = "b", .end_key = "a", .limit = 1}, kNow)
                .status()
                .code(),
            invalid);
  EXPECT_EQ(
      store_
          .Scan({.start_key = "a", .end_key = "b", .limit = 1, .reverse = true},
                kNow)
          .status()
          .code(),
      invalid);
  EXPECT_EQ(store_.DeleteRange(Cf::kDefault, "b", "a").code(), invalid);
  EXPECT_EQ(store_.DeleteRange(Cf::kDefault, "a", "").code(), invalid);
  EXPECT_EQ(
      store_.Put({.key = "k", .value = "v", .ttl_seconds = UINT64_MAX}, kNow)
          .code(),
      invalid);
  EXPECT_EQ(ParseRawCf("raft").status().code(), invalid);
  EXPECT_EQ(ParseRawCf("bogus").status().code(), invalid);
  EXPECT_EQ(*ParseRawCf(""), Cf::kDefault);
  EXPECT_EQ(*ParseRawCf("write"), Cf::kWrite);
  EXPECT_EQ(*ParseRawCf("lock"), Cf::kLock);
}

TEST_F(RawKvTest, ValueAndEntryLimits) {
  const auto invalid = absl::StatusCode::kInvalidArgument;
  const std::string max_value(kMaxValueBytes, 'v');
  const std::string too_big(kMaxValueBytes + 1, 'v');
  EXPECT_TRUE(store_.Put({.key = "k", .value = max_value}, kNow).ok());
  EXPECT_EQ(store_.Put({.key = "k", .value = too_big}, kNow).code(), invalid);
  EXPECT_EQ(
      store_
          .CompareAndSwap(
              {.key = "k", .expected = max_value, .new_value = too_big}, kNow)
          .status()
          .code(),
      invalid);
  // Two values that fit alone but not in one entry together.
  EXPECT_EQ(store_
                .BatchPut(Cf::kDefault, {P("a", max_value), P("b", max_value)},
                          {}, kNow)
                .code(),
            invalid);
  EXPECT_EQ(Get("a"), std::nullopt);
}

TEST_F(RawKvTest, CorruptionSurfacesAsDataLoss) {
  // Bytes under the raw prefix that are not a raw value encoding.
  env::WriteBatch foreign;
  foreign.Put(Cf::kDefault, "rbad", "");
  ASSERT_TRUE(engine_.Write(foreign, {}).ok());
  EXPECT_EQ(store_.Get(Cf::kDefault, "bad", kNow).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(store_.Scan({.limit = 10}, kNow).status().code(),
            absl::StatusCode::kDataLoss);
  // A checksum failure inside the engine passes through unchanged.
  Put("k", "v");
  ASSERT_TRUE(engine_.CorruptValue(Cf::kDefault, "rk"));
  EXPECT_EQ(store_.Get(Cf::kDefault, "k", kNow).status().code(),
            absl::StatusCode::kDataLoss);
}

// Model: key -> (value, expire time or none). Random puts (with and without
// TTL), deletes, delete-ranges, compare-and-swaps and clock advances; after
// each step a random get, get-ttl and scan must match the model.
struct ModelEntry {
  std::string value;
  std::optional<uint64_t> expire_ts;
};
using Model = std::map<std::string, ModelEntry>;

std::string GenRawKey() {
  const size_t length = *rc::gen::inRange<size_t>(1, 3);
  return *rc::gen::container<std::string>(
      length, rc::gen::element<char>('a', 'b', 'c'));
}

bool Live(const ModelEntry& entry, uint64_t now) {
  return !entry.expire_ts || *entry.expire_ts > now;
}

std::optional<std::string> ModelGet(const Model& model, const std::string& key,
                                    uint64_t now) {
  auto it = model.find(key);
  if (it == model.end() || !Live(it->second, now)) return std::nullopt;
  return it->second.value;
}

void CheckAgainstModel(RawKvStore& store, const Model& model, uint64_t now) {
  const std::string key = GenRawKey();
  auto got = store.Get(Cf::kDefault, key, now);
  RC_ASSERT(got.ok());
  RC_ASSERT(*got == ModelGet(model, key, now));
  auto ttl = store.GetKeyTtl(Cf::kDefault, key, now);
  RC_ASSERT(ttl.ok());
  if (!ModelGet(model, key, now)) {
    RC_ASSERT(!ttl->has_value());
  } else {
    const auto& expire = model.at(key).expire_ts;
    RC_ASSERT(**ttl == (expire ? *expire - now : 0));
  }
  ScanRequest scan{.limit = *rc::gen::inRange<size_t>(0, 6),
                   .key_only = *rc::gen::arbitrary<bool>(),
                   .reverse = *rc::gen::arbitrary<bool>()};
  std::vector<KvPair> expected;
  auto add = [&](const auto& entry) {
    if (expected.size() < scan.limit && Live(entry.second, now)) {
      expected.push_back(
          {entry.first, scan.key_only ? std::string() : entry.second.value});
    }
  };
  if (scan.reverse) {
    for (auto it = model.rbegin(); it != model.rend(); ++it) add(*it);
  } else {
    for (const auto& entry : model) add(entry);
  }
  auto scanned = store.Scan(scan, now);
  RC_ASSERT(scanned.ok());
  RC_ASSERT(*scanned == expected);
}

void ModelStep(RawKvStore& store, Model& model, uint64_t& now) {
  const std::string key = GenRawKey();
  switch (*rc::gen::inRange(0, 5)) {
    case 0: {
      const std::string value = *rc::gen::arbitrary<std::string>();
      const uint64_t ttl = *rc::gen::element<uint64_t>(0, 1, 3, 10);
      RC_ASSERT(store.Put({.key = key, .value = value, .ttl_seconds = ttl}, now)
                    .ok());
      model[key] = {value,
                    ttl ? std::optional<uint64_t>(now + ttl) : std::nullopt};
      break;
    }
    case 1:
      RC_ASSERT(store.Delete(Cf::kDefault, key).ok());
      model.erase(key);
      break;
    case 2: {
      std::string end = GenRawKey();
      std::string start = key;
      if (end < start) std::swap(start, end);
      RC_ASSERT(store.DeleteRange(Cf::kDefault, start, end).ok());
      model.erase(model.lower_bound(start), model.lower_bound(end));
      break;
    }
    case 3: {
      const auto expected =
          *rc::gen::maybe(rc::gen::element<std::string>("x", "y"));
      const auto new_value =
          *rc::gen::maybe(rc::gen::element<std::string>("x", "y"));
      auto result = store.CompareAndSwap(
          {.key = key,
           .expected =
               expected ? std::optional<std::string>(*expected) : std::nullopt,
           .new_value = new_value ? std::optional<std::string>(*new_value)
                                  : std::nullopt},
          now);
      RC_ASSERT(result.ok());
      const auto previous = ModelGet(model, key, now);
      RC_ASSERT(result->previous_value == previous);
      RC_ASSERT(result->succeeded ==
                (previous == (expected ? std::optional<std::string>(*expected)
                                       : std::nullopt)));
      if (result->succeeded) {
        if (new_value) {
          model[key] = {*new_value, std::nullopt};
        } else {
          model.erase(key);
        }
      }
      break;
    }
    default:
      now += *rc::gen::inRange<uint64_t>(1, 5);
  }
}

RC_GTEST_PROP_N(RawKvProperty, MatchesModel, 100, 100, ()) {
  engine::MemEngine engine;
  RawKvStore store(engine);
  Model model;
  uint64_t now = kNow;
  const int steps = *rc::gen::inRange(1, 40);
  for (int i = 0; i < steps; ++i) {
    ModelStep(store, model, now);
    CheckAgainstModel(store, model, now);
  }
}

}  // namespace
}  // namespace core::rawkv
