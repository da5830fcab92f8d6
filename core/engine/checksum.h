// Per-entry checksums for MemEngine. Every stored value carries the checksum
// computed when it was written; reads recompute and compare it, so a value
// corrupted after the write (an injected latent disk fault) surfaces as
// kDataLoss instead of wrong bytes. Not cryptographic: it only has to catch
// random bit flips, like the block checksums of RocksDB's SST files.
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

}  // namespace core::engine

#endif  // CORE_ENGINE_CHECKSUM_H_
