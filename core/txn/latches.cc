#include "core/txn/latches.h"

#include <algorithm>

#include "core/base/check.h"

namespace core::txn {

Latches::Latches(size_t slot_count) {
  size_t size = 1;
  while (size < slot_count) size <<= 1;
  slots_.resize(size);
}

uint64_t Latches::HashKey(const mvcc::Key& key) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (char c : key.encoded()) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

LatchLock Latches::GenLock(const std::vector<mvcc::Key>& keys) const {
  LatchLock lock;
  for (const mvcc::Key& key : keys)
    lock.required_hashes.push_back(HashKey(key));
  std::sort(lock.required_hashes.begin(), lock.required_hashes.end());
  lock.required_hashes.erase(
      std::unique(lock.required_hashes.begin(), lock.required_hashes.end()),
      lock.required_hashes.end());
  return lock;
}

const std::pair<uint64_t, uint64_t>* Latches::FrontFor(const Slot& slot,
                                                       uint64_t hash) {
  for (const auto& entry : slot) {
    if (entry.first == hash) return &entry;
  }
  return nullptr;
}

bool Latches::Acquire(LatchLock& lock, uint64_t command_id) {
  while (!lock.Acquired()) {
    const uint64_t hash = lock.required_hashes[lock.owned_count];
    Slot& slot = SlotOf(hash);
    const auto* front = FrontFor(slot, hash);
    if (front == nullptr) {
      slot.emplace_back(hash, command_id);
      ++lock.owned_count;
      continue;
    }
    if (front->second == command_id) {
      ++lock.owned_count;
      continue;
    }
    // Queue once; a woken command re-enters here already queued.
    const bool queued =
        std::any_of(slot.begin(), slot.end(), [&](const auto& e) {
          return e.first == hash && e.second == command_id;
        });
    if (!queued) slot.emplace_back(hash, command_id);
    return false;
  }
  return true;
}

std::vector<uint64_t> Latches::Release(const LatchLock& lock,
                                       uint64_t command_id) {
  std::vector<uint64_t> wakeup;
  for (size_t i = 0; i < lock.owned_count; ++i) {
    const uint64_t hash = lock.required_hashes[i];
    Slot& slot = SlotOf(hash);
    auto it = std::find_if(slot.begin(), slot.end(),
                           [&](const auto& e) { return e.first == hash; });
    CHECK(it != slot.end() && it->second == command_id)
        << "releasing a latch the command does not hold";
    slot.erase(it);
    if (const auto* next = FrontFor(slot, hash)) wakeup.push_back(next->second);
  }
  if (!lock.Acquired()) {
    const uint64_t hash = lock.required_hashes[lock.owned_count];
    Slot& slot = SlotOf(hash);
    const auto* front = FrontFor(slot, hash);
    auto it = std::find(slot.begin(), slot.end(), std::pair(hash, command_id));
    if (it != slot.end()) {
      // A woken command is first in line before it takes the latch; its
      // successor inherits the turn.
      const bool was_front = &*it == front;
      slot.erase(it);
      const auto* next = FrontFor(slot, hash);
      if (was_front && next != nullptr) wakeup.push_back(next->second);
    }
  }
  return wakeup;
}

size_t Latches::entry_count() const {
  size_t count = 0;
  for (const Slot& slot : slots_) count += slot.size();
  return count;
}

}  // namespace core::txn
