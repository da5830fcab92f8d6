// Key: a user key in TiKV's MVCC layout.
//
// The user ("raw") key is memcomparable-encoded: split into groups of 8 bytes,
// the last group padded with 0x00, each group followed by a marker byte
// 0xFF - pad_count. A version key appends the timestamp as big-endian !ts so
// that newer versions sort first.
//
//   raw "abc"           -> 61 62 63 00 00 00 00 00 FA
//   + ts 5 (version)    -> ... FF FF FF FF FF FF FF FA
//
// Ref: tikv components/codec/src/byte.rs (MemComparableByteCodec),
// components/txn_types/src/types.rs (Key::from_raw, append_ts).
//
// The encoding is prefix-free, so every version key of `k` sorts after k's
// encoded key and before the encoded key of any larger user key. Data keys in
// the engine are these encoded keys; a region layer may add TiKV's 'z' data
// prefix around the engine (as TiKV's RegionSnapshot does), which the MVCC
// layer never sees.
#ifndef CORE_MVCC_KEY_H_
#define CORE_MVCC_KEY_H_

#include <compare>
#include <cstddef>
#include <ostream>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "core/base/bytes.h"
#include "core/base/timestamp.h"

namespace core::mvcc {

using base::Bytes;
using base::BytesView;

// DO NOT CHANGE: persisted.
inline constexpr size_t kEncGroupSize = 8;
inline constexpr uint8_t kEncMarker = 0xFF;
inline constexpr size_t kTsSuffixBytes = 8;

// Appends the memcomparable encoding of `raw` to `out`.
void EncodeBytes(BytesView raw, Bytes* out);
// Size of EncodeBytes(raw) for a raw key of `raw_size` bytes.
size_t EncodedBytesSize(size_t raw_size);
// Decodes one memcomparable byte string from the front of *in and advances
// *in past it. Malformed input (short group, marker > 0xFF-0 with pad > 8,
// non-zero padding) is an InvalidArgument error and leaves *in unchanged.
absl::StatusOr<Bytes> DecodeBytes(BytesView* in);

// Appends big-endian !ts (TiKV's encode_u64_desc).
void EncodeTsDesc(base::TimeStamp ts, Bytes* out);
absl::StatusOr<base::TimeStamp> DecodeTsDesc(BytesView in);

class Key {
 public:
  Key() = default;

  static Key FromRaw(BytesView raw);
  // Wraps bytes that are already encoded (e.g. read from CF_LOCK). Not
  // validated; ToRaw() reports malformed bytes.
  static Key FromEncoded(Bytes encoded) { return Key(std::move(encoded)); }

  const Bytes& encoded() const { return encoded_; }
  absl::StatusOr<Bytes> ToRaw() const;

  // The version key `encoded + !ts`, used in CF_WRITE and CF_DEFAULT.
  Bytes AppendTs(base::TimeStamp ts) const;

  // True when `version_key` is a version key of this key (this key's encoded
  // bytes followed by exactly one timestamp).
  bool IsVersionOf(BytesView version_key) const;

  // Splits a version key into its encoded user key and timestamp.
  static absl::StatusOr<std::pair<Key, base::TimeStamp>> SplitVersionKey(
      BytesView version_key);

  auto operator<=>(const Key&) const = default;

 private:
  explicit Key(Bytes encoded) : encoded_(std::move(encoded)) {}
  Bytes encoded_;
};

std::ostream& operator<<(std::ostream& out, const Key& key);

}  // namespace core::mvcc

#endif  // CORE_MVCC_KEY_H_
