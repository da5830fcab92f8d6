// SimLoop: a whole cluster on one OS thread and virtual time.
//
// Every simulated process gets an Executor view (fibres, sleeps, events,
// timers), a SimClock and a Random stream; the loop runs their fibres one at
// a time on boost.context stacks. Virtual ("true") time only moves when
// nothing is runnable: it jumps straight to the next scheduled event, so a
// one-hour sleep costs nothing. Everything that becomes due at the same
// instant (fibres made runnable, timers, network deliveries) runs in an order
// drawn from the seeded PRNG, so a run is a pure function of (seed, binary),
// and every decision is folded into a trace hash that two runs can compare.
//
// Process faults:
//  * Crash(p): the process's volatile state is gone. Its timers are
//    cancelled, its fibres killed (stacks unwound: destructors run, no other
//    code of the process does), crash observers run (the network resets its
//    sockets), then its ProcessState (the driver) is destroyed.
//  * Restart(p): the process comes back; its factory builds a new driver
//    from durable state (engines live outside the ProcessState).
//  * Pause(p, d): its fibres are not scheduled for `d` (a GC pause, SIGSTOP);
//    its clock keeps running and the network keeps buffering for it.
//
// Lifetime: fibres reference objects outside the loop (the network, engines,
// drivers). Call Shutdown() (the destructor does too) before destroying any
// of them; the SimNetwork destructor does so itself.
//
// Thread-affinity: everything on one OS thread. Run*, AddProcess, Boot,
// Crash, Restart and Pause may be called from outside the loop (the test or
// harness) between runs; Crash/Restart/Pause also from fibres and callbacks.
#ifndef SIM_LOOP_SIM_LOOP_H_
#define SIM_LOOP_SIM_LOOP_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/prng.h"
#include "core/base/time.h"
#include "core/env/executor.h"
#include "core/env/random.h"
#include "fibre/fibre.h"
#include "fibre/stack_pool.h"
#include "fibre/wait_list.h"
#include "sim/clock/sim_clock.h"
#include "sim/loop/trace.h"

namespace sim {

// The shared fibre implementation (fibre/), under the names sim code uses.
using fibre::Fibre;
using fibre::FibreKilled;
using fibre::StackPool;

// The volatile part of a simulated process (its driver): destroyed on crash,
// rebuilt on restart by the process's factory.
class ProcessState {
 public:
  virtual ~ProcessState() = default;
};
using ProcessFactory = std::function<std::unique_ptr<ProcessState>()>;

struct ProcessOptions {
  std::string name;
  ClockOptions clock;
};

struct SimLoopOptions {
  uint64_t seed = 1;
  // Usable bytes per fibre stack; a PROT_NONE guard page is added below.
  size_t fibre_stack_bytes = 256 * 1024;
  // Freed stacks kept for reuse.
  size_t max_cached_stacks = 256;
  std::string ToString() const;
};

using WakeReason = fibre::WakeReason;

using FibreId = uint64_t;

class SimLoop final : public TimeSource {
 public:
  explicit SimLoop(const SimLoopOptions& options);
  ~SimLoop() override;
  SimLoop(const SimLoop&) = delete;
  SimLoop& operator=(const SimLoop&) = delete;

  // True (virtual) time: the same for every process.
  core::base::Instant Now() const override { return now_; }

  // Runs until nothing is scheduled or Stop() is called.
  void Run();
  // Runs every event due at or before `deadline`, then sets Now() to
  // `deadline` (unless stopped early).
  void RunUntil(core::base::Instant deadline);
  void RunFor(core::base::Duration duration);
  // Makes the current Run* return after the running step.
  void Stop() { stop_requested_ = true; }
  bool Idle() const;
  // Kills every fibre (no crash observers run), destroys every driver and
  // drops every scheduled event. Idempotent; the loop is unusable after.
  void Shutdown();

  // Adds a process that is up, with no driver; fibres may be spawned on it
  // at once. Ids are dense, from 0.
  ProcessId AddProcess(const ProcessOptions& options);
  // Installs the process's factory and builds its driver now.
  void Boot(ProcessId process, ProcessFactory factory);
  void Crash(ProcessId process);
  void Restart(ProcessId process);
  // Stops scheduling the process's fibres for `duration` (a later Pause
  // replaces the deadline); Unpause ends a pause early.
  void Pause(ProcessId process, core::base::Duration duration);
  void Unpause(ProcessId process);

  size_t process_count() const { return processes_.size(); }
  const std::string& process_name(ProcessId process) const;
  bool IsUp(ProcessId process) const;
  bool IsPaused(ProcessId process) const;
  // Bumped by every crash; work scheduled for an older incarnation is void.
  uint64_t incarnation(ProcessId process) const;
  size_t live_fibres(ProcessId process) const;
  ProcessState* state(ProcessId process);

  core::env::Executor& executor(ProcessId process);
  SimClock& clock(ProcessId process);
  core::env::Random& random(ProcessId process);

  // For other simulator components. Runs `callback` on the loop's own stack
  // at `at` (it must not block). With an owner, it is dropped if the owner
  // crashes first; it still runs while the owner is paused.
  void ScheduleCallback(core::base::Instant at, ProcessId owner,
                        std::function<void()> callback);
  // Called by Crash after the process's fibres are gone, in registration
  // order.
  void AddCrashObserver(std::function<void(ProcessId)> observer);
  // The process of the running fibre, or kNoProcess on the loop's stack.
  ProcessId current_process() const;
  bool InFibre() const { return current_ != nullptr; }
  // An independent PRNG stream derived from the seed (for the network, for
  // fault schedules); successive calls give different streams.
  core::base::Prng ForkPrng();

  // Folds a record stamped with Now() into the trace hash.
  void Trace(TraceKind kind, ProcessId process, uint64_t detail);
  uint64_t trace_hash() const { return trace_.value(); }
  uint64_t trace_records() const { return trace_.records(); }
  void SetTraceSink(TraceSink sink) { trace_sink_ = std::move(sink); }

  // Statistics.
  uint64_t fibre_switches() const { return fibre_switches_; }
  uint64_t events_dispatched() const { return events_dispatched_; }
  size_t scheduled_events() const;
  const StackPool& stack_pool() const { return stack_pool_; }

 private:
  friend class ProcessExecutor;
  friend class fibre::WaitList<SimLoop>;
  // fibre::WaitList's parking (fibre/wait_list.h).
  struct Waiter {
    ProcessId process;
    FibreId fibre;
    uint64_t generation;
  };
  using WaitTimeout = core::base::Duration;
  struct FibreRecord;
  struct Process;
  struct TimerEntry;
  struct Event;
  enum class EventKind : uint8_t { kRun, kWake, kTimer, kCallback };

  static bool Later(const Event& a, const Event& b);

  Process& process(ProcessId id);
  const Process& process(ProcessId id) const;
  FibreRecord& CurrentFibre(const char* operation);
  FibreRecord* FindFibre(Process& p, FibreId id);

  void Push(Event event);
  void Step();
  void DispatchRun(Event& event);
  void DispatchWake(Event& event);
  void DispatchTimer(Event& event);
  void ScheduleRun(FibreRecord& fibre);
  void ScheduleWake(FibreRecord& fibre, core::base::Instant at,
                    WakeReason reason);
  // Runs a runnable fibre unless its process is paused (then defers it).
  void RunFibre(Process& p, FibreRecord& fibre);
  void ResumeFibre(FibreRecord& fibre);
  void EraseIfFinished(Process& p, FibreId id);
  void KillFibres(Process& p);

  // Executor operations for process `p` (see core/env/executor.h).
  FibreId Spawn(ProcessId p, std::string name, std::function<void()> body);
  void Yield(ProcessId p);
  void SleepFor(ProcessId p, core::base::Duration duration);
  core::env::TimerId After(ProcessId p, core::base::Duration delay,
                           std::function<void()> callback);
  void Cancel(ProcessId p, core::env::TimerId id);
  // Parks the current fibre; returns why it woke. Throws FibreKilled.
  WakeReason Park();
  Waiter ParkingWaiter(const char* operation);
  void WakeOnTimeout(const Waiter& waiter, core::base::Duration timeout);
  void WakeNotified(const Waiter& waiter);

  SimLoopOptions options_;
  core::base::Prng schedule_prng_;
  core::base::Prng fork_prng_;
  StackPool stack_pool_;
  core::base::Instant now_;
  std::vector<Event> queue_;  // A binary min-heap (see Later in .cc).
  uint64_t next_seq_ = 0;
  FibreId next_fibre_id_ = 1;
  std::vector<std::unique_ptr<Process>> processes_;
  FibreRecord* current_ = nullptr;
  std::vector<std::function<void(ProcessId)>> crash_observers_;
  // Drivers of crashed processes, destroyed once no fibre is on the CPU.
  std::vector<std::unique_ptr<ProcessState>> graveyard_;
  TraceHash trace_;
  TraceSink trace_sink_;
  bool stop_requested_ = false;
  bool shut_down_ = false;
  uint64_t fibre_switches_ = 0;
  uint64_t events_dispatched_ = 0;
};

// Fibres parked until NotifyAll, or until a timeout of the waiting fibre's
// process's monotonic time passes (converted at the current drift): events,
// sockets and every other blocking simulator object.
using WaitList = fibre::WaitList<SimLoop>;

}  // namespace sim

#endif  // SIM_LOOP_SIM_LOOP_H_
