// The persisted key layout is TiKV API V1's (Ref: tikv
// components/api_version/src/api_v1.rs, components/txn_types/src/types.rs
// Key::from_raw + append_ts): raw keys are stored as they are, transactional
// keys as their memcomparable encoding (plus the descending commit or start
// ts in CF_WRITE and CF_DEFAULT), in one key space with no prefix per API;
// and a region's bounds are compared with raw keys for raw requests and
// encoded keys for transactional ones.
#include <gtest/gtest.h>

#include <string>

#include "core/mvcc/key.h"
#include "tests/store/storage_harness.h"

namespace store::storage::testing {
namespace {

using core::env::Cf;
using core::mvcc::Key;

std::optional<std::string> Stored(StorageHarness& h, Cf cf,
                                  const std::string& key) {
  auto value = h.kv_engine().NewSnapshot()->Get(cf, key);
  EXPECT_TRUE(value.ok());
  return value.ok() ? *value : std::nullopt;
}

TEST(StorageLayoutTest, RawKeysAsTheyAreTxnKeysEncoded) {
  StorageHarness h;
  h.RunFibre([&] {
    ASSERT_TRUE(
        h.storage().Execute(h.ctx(), RawPut{.key = "k", .value = "raw"}).ok());
    MustPrewritePut(h, "t", "txn", "t", 10);
    MustCommit(h, {"t"}, 10, 11);
  });
  EXPECT_TRUE(Stored(h, Cf::kDefault, "k").has_value());
  const Key encoded = Key::FromRaw("t");
  EXPECT_EQ(encoded.encoded(), std::string("t\0\0\0\0\0\0\0\xf8", 9));
  EXPECT_TRUE(Stored(h, Cf::kWrite, encoded.AppendTs(Ts(11))).has_value());
  // Nothing behind the API V2 prefixes.
  EXPECT_FALSE(Stored(h, Cf::kDefault, "rk").has_value());
  EXPECT_FALSE(
      Stored(h, Cf::kWrite, "x" + encoded.AppendTs(Ts(11))).has_value());
}

// A region split at an encoded key (as client-go's CodecPDClient asks PD):
// transactional keys are routed by their encoding.
TEST(StorageLayoutTest, TxnRequestsCheckTheEncodedKey) {
  HarnessOptions options;
  options.local.region.start_key = Key::FromRaw("b").encoded();
  options.local.region.end_key = Key::FromRaw("m").encoded();
  StorageHarness h(options);
  h.RunFibre([&] {
    MustPrewritePut(h, "c", "v", "c", 10);
    MustCommit(h, {"c"}, 10, 11);
    MustGet(h, "c", 12, "v");
    const Error outside = MustGetErr(h, "m", 12);
    const auto* not_in = RegionErrorAs<KeyNotInRegion>(outside);
    ASSERT_NE(not_in, nullptr) << ErrorToString(outside);
    EXPECT_EQ(not_in->key, Key::FromRaw("m").encoded());
    auto scanned = h.storage().Execute(
        h.ctx(), Scan{.start_key = "b", .start_ts = Ts(12), .limit = 10});
    ASSERT_TRUE(scanned.ok()) << ErrorToString(scanned.error());
    ASSERT_EQ(scanned->pairs.size(), 1u);
    // The raw key "b" sorts below the encoded "b": not in this region.
    auto raw = h.storage().Execute(h.ctx(), RawGet{.key = "b"});
    ASSERT_FALSE(raw.ok());
    EXPECT_NE(RegionErrorAs<KeyNotInRegion>(raw.error()), nullptr);
  });
}

// The whole key space for transactional DeleteRange with no end: up to the
// region's (encoded) end, raw data below the region start untouched.
TEST(StorageLayoutTest, DeleteRangeToTheRegionEnd) {
  StorageHarness h;
  h.RunFibre([&] {
    MustPrewritePut(h, "p", "v", "p", 10);
    MustCommit(h, {"p"}, 10, 11);
    ASSERT_TRUE(
        h.storage().Execute(h.ctx(), DeleteRange{.start_key = "a"}).ok());
    MustGetNone(h, "p", 12);
  });
}

}  // namespace
}  // namespace store::storage::testing
