#include "fibre/stack_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include "core/base/check.h"
#include "fibre/sanitizer.h"

namespace fibre {

StackPool::StackPool(size_t usable_bytes, size_t max_cached)
    : page_bytes_(static_cast<size_t>(sysconf(_SC_PAGESIZE))),
      max_cached_(max_cached) {
  CHECK_GT(usable_bytes, 0u);
  const size_t pages = (usable_bytes + page_bytes_ - 1) / page_bytes_;
  mapped_bytes_ = (pages + 1) * page_bytes_;  // +1: the guard page.
}

StackPool::~StackPool() {
  CHECK_EQ(outstanding_, 0u) << "stacks still in use at pool destruction";
  for (void* low : free_) munmap(low, mapped_bytes_);
}

boost::context::stack_context StackPool::Allocate() {
  void* low = nullptr;
  if (!free_.empty()) {
    low = free_.back();
    free_.pop_back();
  } else {
    low = mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    CHECK(low != MAP_FAILED) << "mmap of a fibre stack failed";
    CHECK_EQ(mprotect(low, page_bytes_, PROT_NONE), 0)
        << "mprotect of a guard page failed";
  }
  // A stack unwound by an exception or reused after a previous fibre may
  // still carry redzone poison in the sanitizer's shadow memory.
  UnpoisonMemory(static_cast<char*>(low) + page_bytes_,
                 mapped_bytes_ - page_bytes_);
  ++outstanding_;
  boost::context::stack_context stack;
  stack.size = mapped_bytes_;
  stack.sp = static_cast<char*>(low) + mapped_bytes_;
  return stack;
}

void StackPool::Deallocate(boost::context::stack_context& stack) {
  CHECK_GT(outstanding_, 0u);
  CHECK_EQ(stack.size, mapped_bytes_);
  --outstanding_;
  void* low = static_cast<char*>(stack.sp) - stack.size;
  if (free_.size() < max_cached_) {
    free_.push_back(low);
  } else {
    munmap(low, mapped_bytes_);
  }
}

}  // namespace fibre
