// Executor: fibres, sleeping, yielding, events and timers.
//
// Driver code is written in plain blocking style inside fibres. A call that
// waits (Event::Wait, SleepFor, a network Read, an engine Write) parks the
// calling fibre; the simulator's SimLoop resumes it at a virtual time of its
// choosing, the real EpollLoop when the kernel reports readiness. All fibres
// of one Executor run on one OS thread, one at a time, so driver state needs
// no locks; a fibre keeps the CPU until it calls a blocking Env method.
//
// Crashes: when the process crashes (simulated kill -9, or a real one), a
// parked call may never return: the fibre is unwound (the simulator) or the
// process is gone (the runtime). Driver state that must be released or
// rolled back is therefore held by RAII objects, never by code after a
// blocking call; and nothing a node has not made durable survives.
//
// Thread-affinity: every method must be called from a fibre of this Executor
// (Spawn may also be called before the loop starts).
#ifndef CORE_ENV_EXECUTOR_H_
#define CORE_ENV_EXECUTOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/base/time.h"

namespace core::env {

// A level-triggered, fibre-aware flag. Notify sets it and wakes every waiter;
// it stays set until Reset. Waiting on a set event returns at once.
class Event {
 public:
  virtual ~Event() = default;
  virtual void Notify() = 0;
  virtual void Reset() = 0;
  virtual bool IsSet() const = 0;
  // Parks the calling fibre until the event is set.
  virtual void Wait() = 0;
  // Parks until the event is set or `timeout` passes; true if it was set.
  virtual bool WaitFor(base::Duration timeout) = 0;
};

using TimerId = uint64_t;

class Executor {
 public:
  virtual ~Executor() = default;

  // Starts `body` on a new fibre. It begins running no earlier than the next
  // time the caller blocks or yields. `name` appears in traces and errors.
  virtual void Spawn(std::string name, std::function<void()> body) = 0;

  // Lets other runnable fibres run; the caller is resumed later at the same
  // instant. In simulation the order of runnable fibres is chosen by the
  // seeded PRNG.
  virtual void Yield() = 0;

  // Parks the caller for at least `duration` of this node's monotonic time.
  virtual void SleepFor(base::Duration duration) = 0;

  virtual std::unique_ptr<Event> NewEvent() = 0;

  // Runs `callback` on a fresh fibre once `delay` has passed, unless Cancel is
  // called first. Cancel of a fired or unknown id is a no-op.
  virtual TimerId After(base::Duration delay,
                        std::function<void()> callback) = 0;
  virtual void Cancel(TimerId id) = 0;
};

}  // namespace core::env

#endif  // CORE_ENV_EXECUTOR_H_
