// StackPool: fixed-size fibre stacks with a guard page, recycled.
//
// Each stack is one anonymous mapping whose lowest page is PROT_NONE, so a
// fibre that overflows its stack faults at once instead of corrupting the
// neighbouring memory. Freed stacks are kept (up to `max_cached`) and handed
// out again, which turns the mmap/munmap pair of every fibre spawn into a
// vector push/pop.
//
// Thread-affinity: one pool belongs to one loop (SimLoop, EpollLoop), on one OS
// thread.
#ifndef FIBRE_STACK_POOL_H_
#define FIBRE_STACK_POOL_H_

#include <cstddef>
#include <vector>

#include <boost/context/stack_context.hpp>

namespace fibre {

class StackPool {
 public:
  // `usable_bytes` is rounded up to whole pages; one guard page is added.
  StackPool(size_t usable_bytes, size_t max_cached);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context Allocate();
  void Deallocate(boost::context::stack_context& stack);

  size_t mapped_bytes_per_stack() const { return mapped_bytes_; }
  size_t cached() const { return free_.size(); }
  size_t outstanding() const { return outstanding_; }

 private:
  size_t page_bytes_;
  size_t mapped_bytes_;
  size_t max_cached_;
  size_t outstanding_ = 0;
  std::vector<void*> free_;  // Lowest address of each cached mapping.
};

// The allocator boost::context::fiber calls; it forwards to a pool that must
// outlive every fibre created with it.
class PooledStackAllocator {
 public:
  explicit PooledStackAllocator(StackPool* pool) : pool_(pool) {}
  boost::context::stack_context allocate() { return pool_->Allocate(); }
  void deallocate(boost::context::stack_context& stack) noexcept {
    pool_->Deallocate(stack);
  }

 private:
  StackPool* pool_;
};

}  // namespace fibre

#endif  // FIBRE_STACK_POOL_H_
