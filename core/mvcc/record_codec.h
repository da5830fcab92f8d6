// Field codecs shared by the Lock and Write records (internal to core/mvcc).
// Ref: tikv components/codec/src/number.rs, byte.rs (CompactByteEncoder).
#ifndef CORE_MVCC_RECORD_CODEC_H_
#define CORE_MVCC_RECORD_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/base/bytes.h"
#include "core/base/timestamp.h"
#include "core/mvcc/lock.h"

namespace core::mvcc::internal {

using base::Bytes;
using base::BytesView;

using mvcc::kShortValueMaxLen;

// Zigzag varint length, then the bytes (TiKV encode_compact_bytes).
void PutCompactBytes(Bytes* out, BytesView bytes);
absl::Status GetCompactBytes(BytesView* in, Bytes* bytes, const char* what);

absl::Status GetVarU64(BytesView* in, uint64_t* value, const char* what);
absl::Status GetU64(BytesView* in, uint64_t* value, const char* what);
absl::Status GetTs(BytesView* in, base::TimeStamp* ts, const char* what);

// A one-byte length followed by at most 255 bytes.
void PutShortValue(Bytes* out, BytesView value);
absl::Status GetShortValue(BytesView* in, std::optional<Bytes>* value);

}  // namespace core::mvcc::internal

#endif  // CORE_MVCC_RECORD_CODEC_H_
