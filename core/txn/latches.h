// Latches: per-key mutual exclusion for write commands, so that the
// read-modify-write of one command (snapshot read, actions, write batch) is
// atomic with respect to every other command on the same keys.
//
// Ref: tikv src/storage/txn/latch.rs. A command computes the sorted, de-
// duplicated hashes of its keys (GenLock), then Acquire tries to take them in
// order; a hash already held by another command queues the command, which is
// woken (returned by Release) when its turn comes. Taking hashes in one global
// order rules out deadlock. Hash collisions only cost concurrency.
//
// Pure and deterministic (a fixed FNV-1a hash, FIFO queues). Not thread-safe:
// the scheduler calls it from one executor.
#ifndef CORE_TXN_LATCHES_H_
#define CORE_TXN_LATCHES_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "core/mvcc/key.h"

namespace core::txn {

// The latch requirements of one command.
struct LatchLock {
  // Sorted and unique.
  std::vector<uint64_t> required_hashes;
  // How many of required_hashes the command holds (a prefix).
  size_t owned_count = 0;

  bool Acquired() const { return owned_count == required_hashes.size(); }
};

class Latches {
 public:
  // `slot_count` is rounded up to a power of two.
  explicit Latches(size_t slot_count);

  static uint64_t HashKey(const mvcc::Key& key);
  LatchLock GenLock(const std::vector<mvcc::Key>& keys) const;

  // Takes as many required latches as possible, in order. Returns true when
  // the command holds all of them; otherwise it is queued on the first one it
  // could not take and must call Acquire again when woken.
  bool Acquire(LatchLock& lock, uint64_t command_id);

  // Releases every latch the command holds, withdraws it from the queue it
  // waits in (if any: a command given up while it waits, e.g. its fibre
  // unwound by a crash, must not stay in line), and returns the ids of
  // commands that are now first in line for one of those latches (to be
  // woken), in order.
  std::vector<uint64_t> Release(const LatchLock& lock, uint64_t command_id);

  // Commands holding or waiting for a latch, counted once per latch: zero
  // when every command has released its latches.
  size_t entry_count() const;

 private:
  using Slot = std::deque<std::pair<uint64_t, uint64_t>>;  // (hash, cid)
  Slot& SlotOf(uint64_t hash) { return slots_[hash & (slots_.size() - 1)]; }
  // The first queued command for `hash` in its slot, if any.
  static const std::pair<uint64_t, uint64_t>* FrontFor(const Slot& slot,
                                                       uint64_t hash);

  std::vector<Slot> slots_;
};

}  // namespace core::txn

#endif  // CORE_TXN_LATCHES_H_
