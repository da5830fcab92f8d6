#include "fibre/fibre.h"

#include <exception>
#include <memory>
#include <utility>

#include <boost/context/preallocated.hpp>

#include "core/base/check.h"
#include "fibre/sanitizer.h"

namespace fibre {

Fibre::Fibre(StackPool& pool, std::function<void()> body)
    : body_(std::move(body)) {
  CHECK(body_ != nullptr);
  boost::context::stack_context stack = pool.Allocate();
  stack_bottom_ = static_cast<char*>(stack.sp) - stack.size;
  stack_size_ = stack.size;
  fiber_ = boost::context::fiber(
      std::allocator_arg,
      boost::context::preallocated(stack.sp, stack.size, stack),
      PooledStackAllocator(&pool),
      [this](boost::context::fiber&& sink) { return Entry(std::move(sink)); });
}

Fibre::~Fibre() {
  if (!finished_) Kill();
}

boost::context::fiber Fibre::Entry(boost::context::fiber&& sink) {
  FinishSwitchFiber(nullptr, &resumer_bottom_, &resumer_size_);
  sink_ = std::move(sink);
  if (!kill_requested_) {
    try {
      body_();
    } catch (const FibreKilled&) {
      // The fibre was killed: its stack is unwound, nothing more runs.
    } catch (const std::exception& e) {
      CHECK(false) << "uncaught exception on a fibre: " << e.what();
    } catch (...) {
      CHECK(false) << "uncaught non-standard exception on a fibre";
    }
  }
  // Destroy the body's captures here, on the fibre, before the stack goes.
  body_ = nullptr;
  finished_ = true;
  // This context ends for good: nullptr lets ASan free its fake stack.
  StartSwitchFiber(nullptr, resumer_bottom_, resumer_size_);
  return std::move(sink_);
}

void Fibre::Resume() {
  CHECK(!finished_) << "resume of a finished fibre";
  CHECK(!on_cpu_) << "resume of a fibre that is on the CPU";
  started_ = true;
  on_cpu_ = true;
  void* fake_stack = nullptr;
  StartSwitchFiber(&fake_stack, stack_bottom_, stack_size_);
  fiber_ = std::move(fiber_).resume();
  FinishSwitchFiber(fake_stack, nullptr, nullptr);
  on_cpu_ = false;
  CHECK_EQ(finished_, !static_cast<bool>(fiber_));
}

void Fibre::Suspend() {
  CHECK(on_cpu_) << "Suspend outside the fibre";
  CHECK(!kill_requested_)
      << "a fibre blocked while being killed (a blocking call in a "
         "destructor or catch block?)";
  StartSwitchFiber(&fake_stack_, resumer_bottom_, resumer_size_);
  sink_ = std::move(sink_).resume();
  FinishSwitchFiber(fake_stack_, &resumer_bottom_, &resumer_size_);
  if (kill_requested_) throw FibreKilled{};
}

void Fibre::Kill() {
  CHECK(!on_cpu_) << "Kill of a fibre on the CPU; use MarkKilled and throw";
  kill_requested_ = true;
  if (!finished_) Resume();
  CHECK(finished_);
}

}  // namespace fibre
