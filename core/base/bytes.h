// Byte-string helpers. Keys and values are std::string holding arbitrary
// bytes; views are std::string_view. Decoders never read past the end of their
// input: they return false (and leave the input unchanged) on short input, so
// bytes from the network or from disk can be parsed without crashing.
#ifndef CORE_BASE_BYTES_H_
#define CORE_BASE_BYTES_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace core::base {

using Bytes = std::string;
using BytesView = std::string_view;

// Fixed-width integers, big-endian, so that byte order equals numeric order.
void PutFixed64BigEndian(Bytes* out, uint64_t value);
void PutFixed32BigEndian(Bytes* out, uint32_t value);
[[nodiscard]] bool GetFixed64BigEndian(BytesView* in, uint64_t* value);
[[nodiscard]] bool GetFixed32BigEndian(BytesView* in, uint32_t* value);

// Fixed-width little-endian integers (checksums, framing).
void PutFixed64LittleEndian(Bytes* out, uint64_t value);
void PutFixed32LittleEndian(Bytes* out, uint32_t value);
[[nodiscard]] bool GetFixed64LittleEndian(BytesView* in, uint64_t* value);
[[nodiscard]] bool GetFixed32LittleEndian(BytesView* in, uint32_t* value);

// LEB128 unsigned varints (at most 10 bytes for 64 bits).
void PutVarint64(Bytes* out, uint64_t value);
[[nodiscard]] bool GetVarint64(BytesView* in, uint64_t* value);

// A varint length followed by that many bytes.
void PutLengthPrefixed(Bytes* out, BytesView bytes);
[[nodiscard]] bool GetLengthPrefixed(BytesView* in, BytesView* bytes);

// The smallest key greater than every key that starts with `prefix`; empty when
// no such key exists (the prefix is all 0xff bytes), meaning "unbounded".
Bytes PrefixSuccessor(BytesView prefix);

// The smallest key strictly greater than `key`.
inline Bytes NextKey(BytesView key) {
  Bytes next(key);
  next.push_back('\0');
  return next;
}

// Printable form for logs and errors: ASCII stays, everything else is \xNN.
std::string EscapeBytes(BytesView bytes);

// How much of a bad input an error message quotes; a path, which the user
// needs whole to recognise, may be longer.
inline constexpr size_t kExcerptBytes = 40;
inline constexpr size_t kPathExcerptBytes = 1024;

// The one way an error message quotes untrusted input (a flag value, a
// schedule item, a token of a history file): the first `max_bytes` bytes,
// escaped as EscapeBytes does (and "'" as \x27), in single quotes; when
// cut, followed by "...(N bytes)" with N the input's whole length. So a
// 20 MB token or a run of NUL bytes never reaches a terminal whole.
std::string QuoteExcerpt(BytesView bytes, size_t max_bytes = kExcerptBytes);

// Lower-case hexadecimal, two digits per byte, and its inverse.
std::string HexEncode(BytesView bytes);
[[nodiscard]] bool HexDecode(std::string_view hex, Bytes* out);

}  // namespace core::base

#endif  // CORE_BASE_BYTES_H_
