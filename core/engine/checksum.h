// Checksums. Per-entry checksums for MemEngine: every stored value carries
// the checksum computed when it was written; reads recompute and compare it,
// so a value corrupted after the write (an injected latent disk fault)
// surfaces as kDataLoss instead of wrong bytes. Not cryptographic: it only
// has to catch random bit flips, like the block checksums of RocksDB's SST
// files. Plus the standard CRCs of persisted and wire formats.
#ifndef CORE_ENGINE_CHECKSUM_H_
#define CORE_ENGINE_CHECKSUM_H_

#include <cstdint>
#include <string_view>

namespace core::engine {

// A 64-bit mix of `bytes` seeded with `seed`. For inputs of equal length any
// change, however small, changes the result: every step is a bijection of the
// running state.
uint64_t EntryChecksum(std::string_view bytes, uint64_t seed);

// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78, initial and final
// xor 0xffffffff), byte-order independent, for persisted and wire formats
// (the range export stream). Crc32c("123456789") == 0xe3069283.
uint32_t Crc32c(std::string_view bytes);

// CRC-64/XZ: the ECMA-182 polynomial (reflected 0xc96c5795d7870f42), initial
// and final xor all ones; what TiKV's crc64fast::Digest computes for
// RawChecksum. `crc` continues an earlier result, so
// Crc64Ecma(b, Crc64Ecma(a)) == Crc64Ecma(a + b) (a Digest fed a, then b).
// Crc64Ecma("123456789") == 0x995dc9bbdf1939fa.
uint64_t Crc64Ecma(std::string_view bytes, uint64_t crc = 0);

}  // namespace core::engine

#endif  // CORE_ENGINE_CHECKSUM_H_
