#include "core/engine/checksum.h"

#include <cstdint>
#include <cstring>

namespace core::engine {
namespace {

constexpr uint64_t kMultiplier = 0x9e3779b97f4a7c15ULL;

uint64_t Mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 29;
  return x;
}

constexpr uint32_t kCrc32cPolynomialReflected = 0x82f63b78u;

struct Crc32cTable {
  uint32_t entries[256];
  constexpr Crc32cTable() : entries() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t crc = i;
      for (int bit = 0; bit < 8; ++bit) {
        crc =
            (crc & 1) != 0 ? (crc >> 1) ^ kCrc32cPolynomialReflected : crc >> 1;
      }
      entries[i] = crc;
    }
  }
};

constexpr Crc32cTable kCrc32cTable;

constexpr uint64_t kCrc64EcmaPolynomialReflected = 0xc96c5795d7870f42ULL;

struct Crc64Table {
  uint64_t entries[256];
  constexpr Crc64Table() : entries() {
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t crc = i;
      for (int bit = 0; bit < 8; ++bit) {
        crc = (crc & 1) != 0 ? (crc >> 1) ^ kCrc64EcmaPolynomialReflected
                             : crc >> 1;
      }
      entries[i] = crc;
    }
  }
};

constexpr Crc64Table kCrc64Table;

}  // namespace

uint32_t Crc32c(std::string_view bytes) {
  uint32_t crc = 0xffffffffu;
  for (const char c : bytes) {
    crc = kCrc32cTable.entries[(crc ^ static_cast<uint8_t>(c)) & 0xff] ^
          (crc >> 8);
  }
  return crc ^ 0xffffffffu;
}

uint64_t Crc64Ecma(std::string_view bytes, uint64_t crc) {
  crc = ~crc;
  for (const char c : bytes) {
    crc = kCrc64Table.entries[(crc ^ static_cast<uint8_t>(c)) & 0xff] ^
          (crc >> 8);
  }
  return ~crc;
}

uint64_t EntryChecksum(std::string_view bytes, uint64_t seed) {
  // Each step xors a word into the state and then applies an invertible
  // mix, so two inputs of the same length that differ in one word always
  // diverge; the length is folded in to separate different lengths.
  uint64_t state = Mix(seed ^ (bytes.size() * kMultiplier));
  size_t pos = 0;
  for (; pos + 8 <= bytes.size(); pos += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + pos, 8);
    state = Mix((state ^ word) * kMultiplier);
  }
  uint64_t tail = 0;
  if (pos < bytes.size()) {
    std::memcpy(&tail, bytes.data() + pos, bytes.size() - pos);
  }
  return Mix((state ^ tail) * kMultiplier);
}

}  // namespace core::engine
