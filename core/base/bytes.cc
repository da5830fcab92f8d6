#include "core/base/bytes.h"

namespace core::base {
namespace {

template <int kWidth>
void PutBigEndian(Bytes* out, uint64_t value) {
  for (int shift = (kWidth - 1) * 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

template <int kWidth>
bool GetBigEndian(BytesView* in, uint64_t* value) {
  if (in->size() < kWidth) return false;
  uint64_t result = 0;
  for (int i = 0; i < kWidth; ++i) {
    result = (result << 8) | static_cast<uint8_t>((*in)[i]);
  }
  *value = result;
  in->remove_prefix(kWidth);
  return true;
}

template <int kWidth>
void PutLittleEndian(Bytes* out, uint64_t value) {
  for (int i = 0; i < kWidth; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

template <int kWidth>
bool GetLittleEndian(BytesView* in, uint64_t* value) {
  if (in->size() < kWidth) return false;
  uint64_t result = 0;
  for (int i = kWidth - 1; i >= 0; --i) {
    result = (result << 8) | static_cast<uint8_t>((*in)[i]);
  }
  *value = result;
  in->remove_prefix(kWidth);
  return true;
}

void AppendEscaped(BytesView bytes, bool escape_quote, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : bytes) {
    auto byte = static_cast<uint8_t>(c);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\' &&
        !(escape_quote && byte == '\'')) {
      out->push_back(c);
    } else {
      *out += "\\x";
      out->push_back(kHex[byte >> 4]);
      out->push_back(kHex[byte & 0xf]);
    }
  }
}

}  // namespace

void PutFixed64BigEndian(Bytes* out, uint64_t value) {
  PutBigEndian<8>(out, value);
}
void PutFixed32BigEndian(Bytes* out, uint32_t value) {
  PutBigEndian<4>(out, value);
}
bool GetFixed64BigEndian(BytesView* in, uint64_t* value) {
  return GetBigEndian<8>(in, value);
}
bool GetFixed32BigEndian(BytesView* in, uint32_t* value) {
  uint64_t wide = 0;
  if (!GetBigEndian<4>(in, &wide)) return false;
  *value = static_cast<uint32_t>(wide);
  return true;
}

void PutFixed64LittleEndian(Bytes* out, uint64_t value) {
  PutLittleEndian<8>(out, value);
}
void PutFixed32LittleEndian(Bytes* out, uint32_t value) {
  PutLittleEndian<4>(out, value);
}
bool GetFixed64LittleEndian(BytesView* in, uint64_t* value) {
  return GetLittleEndian<8>(in, value);
}
bool GetFixed32LittleEndian(BytesView* in, uint32_t* value) {
  uint64_t wide = 0;
  if (!GetLittleEndian<4>(in, &wide)) return false;
  *value = static_cast<uint32_t>(wide);
  return true;
}

void PutVarint64(Bytes* out, uint64_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool GetVarint64(BytesView* in, uint64_t* value) {
  uint64_t result = 0;
  for (size_t i = 0; i < in->size() && i < 10; ++i) {
    uint64_t byte = static_cast<uint8_t>((*in)[i]);
    // The tenth byte may carry only the top bit of a 64-bit value.
    if (i == 9 && byte > 1) return false;
    result |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *value = result;
      in->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

void PutLengthPrefixed(Bytes* out, BytesView bytes) {
  PutVarint64(out, bytes.size());
  out->append(bytes);
}

bool GetLengthPrefixed(BytesView* in, BytesView* bytes) {
  BytesView rest = *in;
  uint64_t length = 0;
  if (!GetVarint64(&rest, &length) || rest.size() < length) return false;
  *bytes = rest.substr(0, length);
  rest.remove_prefix(length);
  *in = rest;
  return true;
}

Bytes PrefixSuccessor(BytesView prefix) {
  Bytes successor(prefix);
  while (!successor.empty()) {
    auto last = static_cast<uint8_t>(successor.back());
    if (last != 0xff) {
      successor.back() = static_cast<char>(last + 1);
      return successor;
    }
    successor.pop_back();
  }
  return successor;
}

std::string EscapeBytes(BytesView bytes) {
  std::string out;
  AppendEscaped(bytes, /*escape_quote=*/false, &out);
  return out;
}

std::string QuoteExcerpt(BytesView bytes, size_t max_bytes) {
  std::string out = "'";
  AppendEscaped(bytes.substr(0, max_bytes), /*escape_quote=*/true, &out);
  out += "'";
  if (bytes.size() > max_bytes) {
    out += "...(" + std::to_string(bytes.size()) + " bytes)";
  }
  return out;
}

std::string HexEncode(BytesView bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto byte = static_cast<uint8_t>(c);
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xf]);
  }
  return out;
}

bool HexDecode(std::string_view hex, Bytes* out) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return false;
  Bytes decoded;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = nibble(hex[i]);
    int low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) return false;
    decoded.push_back(static_cast<char>((high << 4) | low));
  }
  *out = std::move(decoded);
  return true;
}

}  // namespace core::base
