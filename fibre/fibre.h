// Fibre: one boost.context fibre with a pooled, guarded stack, annotated for
// AddressSanitizer, that can be killed while parked.
//
// A fibre runs `body` on its own stack. It gives the CPU back only by calling
// Suspend() on its own stack; whoever calls Resume() runs it until then. Kill()
// destroys a parked (or never started) fibre by resuming it so that Suspend()
// throws FibreKilled: the stack unwinds, running destructors of the objects on
// it, and no other code of the fibre runs. A fibre that was never resumed does
// not run its body at all.
//
// Rules for code running on a fibre (they hold for all driver code):
//  * do not swallow FibreKilled (a `catch (...)` must rethrow);
//  * do not block (call anything that suspends) in a destructor or inside a
//    catch block: the C++ runtime's exception bookkeeping is per OS thread.
//
// Thread-affinity: all fibres of a StackPool run on the pool's OS thread.
#ifndef FIBRE_FIBRE_H_
#define FIBRE_FIBRE_H_

#include <cstddef>
#include <functional>

#include <boost/context/fiber.hpp>

#include "fibre/stack_pool.h"

namespace fibre {

// Thrown on a fibre's own stack to unwind it when the fibre is killed. Not an
// std::exception on purpose, so `catch (const std::exception&)` ignores it.
struct FibreKilled {};

class Fibre {
 public:
  Fibre(StackPool& pool, std::function<void()> body);
  // Kills the fibre first if it has not finished.
  ~Fibre();
  Fibre(const Fibre&) = delete;
  Fibre& operator=(const Fibre&) = delete;

  // Runs the fibre until it suspends or finishes. Called from any context
  // (the thread's own stack or another fibre) except the fibre itself.
  void Resume();

  // Called on this fibre's stack: returns control to the context that last
  // resumed it. Throws FibreKilled if the fibre was killed meanwhile.
  void Suspend();

  // Destroys a fibre that is not on the CPU: unwinds its stack (or skips its
  // body if it never ran). Returns once its stack is released.
  void Kill();

  // For a fibre that is killing itself (it is on the CPU): later Suspend
  // calls are bugs. The caller then throws FibreKilled itself.
  void MarkKilled() { kill_requested_ = true; }

  bool started() const { return started_; }
  bool finished() const { return finished_; }
  bool on_cpu() const { return on_cpu_; }
  bool kill_requested() const { return kill_requested_; }

 private:
  boost::context::fiber Entry(boost::context::fiber&& sink);

  std::function<void()> body_;
  // Handle to this fibre while it is suspended (held by the resumer side).
  boost::context::fiber fiber_;
  // Handle to the resumer while this fibre runs (held by the fibre side).
  boost::context::fiber sink_;
  const void* stack_bottom_ = nullptr;
  size_t stack_size_ = 0;
  // ASan bookkeeping: the resumer's stack, and this fibre's fake stack.
  const void* resumer_bottom_ = nullptr;
  size_t resumer_size_ = 0;
  void* fake_stack_ = nullptr;
  bool started_ = false;
  bool finished_ = false;
  bool on_cpu_ = false;
  bool kill_requested_ = false;
};

}  // namespace fibre

#endif  // FIBRE_FIBRE_H_
