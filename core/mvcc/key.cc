#include "core/mvcc/key.h"

#include "absl/status/status.h"
#include "core/base/check.h"

namespace core::mvcc {

void EncodeBytes(BytesView raw, Bytes* out) {
  out->reserve(out->size() + EncodedBytesSize(raw.size()));
  // One group per 8 input bytes, plus one more when the length is a multiple
  // of 8 (including 0): the final group always carries the padding count.
  for (size_t index = 0; index <= raw.size(); index += kEncGroupSize) {
    const size_t remain = raw.size() - index;
    size_t pad = 0;
    if (remain >= kEncGroupSize) {
      out->append(raw.substr(index, kEncGroupSize));
    } else {
      pad = kEncGroupSize - remain;
      out->append(raw.substr(index, remain));
      out->append(pad, '\0');
    }
    out->push_back(static_cast<char>(kEncMarker - pad));
  }
}

size_t EncodedBytesSize(size_t raw_size) {
  return (raw_size / kEncGroupSize + 1) * (kEncGroupSize + 1);
}

absl::StatusOr<Bytes> DecodeBytes(BytesView* in) {
  Bytes raw;
  BytesView rest = *in;
  while (true) {
    if (rest.size() < kEncGroupSize + 1) {
      return absl::InvalidArgumentError(
          "memcomparable bytes: truncated group in " + base::EscapeBytes(*in));
    }
    const BytesView group = rest.substr(0, kEncGroupSize);
    const uint8_t marker = static_cast<uint8_t>(rest[kEncGroupSize]);
    rest.remove_prefix(kEncGroupSize + 1);
    const size_t pad = kEncMarker - marker;
    if (pad == 0) {
      raw.append(group);
      continue;
    }
    if (pad > kEncGroupSize) {
      return absl::InvalidArgumentError("memcomparable bytes: bad marker in " +
                                        base::EscapeBytes(*in));
    }
    const size_t real = kEncGroupSize - pad;
    for (size_t i = real; i < kEncGroupSize; ++i) {
      if (group[i] != '\0') {
        return absl::InvalidArgumentError(
            "memcomparable bytes: non-zero padding in " +
            base::EscapeBytes(*in));
      }
    }
    raw.append(group.substr(0, real));
    *in = rest;
    return raw;
  }
}

void EncodeTsDesc(base::TimeStamp ts, Bytes* out) {
  base::PutFixed64BigEndian(out, ~ts.value());
}

absl::StatusOr<base::TimeStamp> DecodeTsDesc(BytesView in) {
  uint64_t inverted = 0;
  if (in.size() != kTsSuffixBytes ||
      !base::GetFixed64BigEndian(&in, &inverted)) {
    return absl::InvalidArgumentError("timestamp suffix must be 8 bytes");
  }
  return base::TimeStamp(~inverted);
}

Key Key::FromRaw(BytesView raw) {
  Bytes encoded;
  EncodeBytes(raw, &encoded);
  return Key(std::move(encoded));
}

absl::StatusOr<Bytes> Key::ToRaw() const {
  BytesView in = encoded_;
  absl::StatusOr<Bytes> raw = DecodeBytes(&in);
  if (raw.ok() && !in.empty()) {
    return absl::InvalidArgumentError("trailing bytes after encoded key " +
                                      base::EscapeBytes(encoded_));
  }
  return raw;
}

Bytes Key::AppendTs(base::TimeStamp ts) const {
  Bytes out;
  out.reserve(encoded_.size() + kTsSuffixBytes);
  out.append(encoded_);
  EncodeTsDesc(ts, &out);
  return out;
}

bool Key::IsVersionOf(BytesView version_key) const {
  return version_key.size() == encoded_.size() + kTsSuffixBytes &&
         version_key.substr(0, encoded_.size()) == encoded_;
}

absl::StatusOr<std::pair<Key, base::TimeStamp>> Key::SplitVersionKey(
    BytesView version_key) {
  if (version_key.size() < kTsSuffixBytes) {
    return absl::InvalidArgumentError("version key shorter than a timestamp: " +
                                      base::EscapeBytes(version_key));
  }
  const size_t user_size = version_key.size() - kTsSuffixBytes;
  absl::StatusOr<base::TimeStamp> ts =
      DecodeTsDesc(version_key.substr(user_size));
  if (!ts.ok()) return ts.status();
  return std::make_pair(Key(Bytes(version_key.substr(0, user_size))), *ts);
}

std::ostream& operator<<(std::ostream& out, const Key& key) {
  absl::StatusOr<Bytes> raw = key.ToRaw();
  if (raw.ok()) return out << base::EscapeBytes(*raw);
  return out << "<encoded " << base::EscapeBytes(key.encoded()) << ">";
}

}  // namespace core::mvcc
