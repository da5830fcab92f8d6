#include "sim/loop/sim_loop.h"

#include <algorithm>
#include <limits>
#include <sstream>
#include <utility>

#include "core/base/check.h"
#include "core/base/mutant.h"

namespace sim {

using core::base::Duration;
using core::base::Instant;
using core::env::TimerId;

struct SimLoop::FibreRecord {
  FibreId id;
  ProcessId process;
  std::string name;
  std::unique_ptr<Fibre> fibre;
  // Parked fibres wait for a kWake event carrying their park generation;
  // waking bumps it, so every other pending wake for that park is stale.
  bool parked = false;
  uint64_t park_generation = 0;
  WakeReason wake_reason = WakeReason::kNotified;
};

struct SimLoop::TimerEntry {
  Instant monotonic_deadline;
  std::function<void()> callback;
};

struct SimLoop::Process {
  ProcessId id;
  std::string name;
  bool up = true;
  bool paused = false;
  uint64_t pause_generation = 0;
  uint64_t incarnation = 0;
  // Ordered maps: crash kills fibres in id order, deterministically.
  std::map<FibreId, std::unique_ptr<FibreRecord>> fibres;
  std::map<TimerId, TimerEntry> timers;
  TimerId next_timer_id = 1;
  // Fibres that became runnable while paused, in that order.
  std::vector<FibreId> deferred;
  std::unique_ptr<SimClock> clock;
  std::unique_ptr<core::env::SeededRandom> random;
  std::unique_ptr<core::env::Executor> executor;
  ProcessFactory factory;
  std::unique_ptr<ProcessState> state;
};

struct SimLoop::Event {
  Instant at;
  // Drawn from the PRNG when scheduled: orders events due at the same
  // instant randomly (seq breaks the astronomically rare equal draws).
  uint64_t tiebreak = 0;
  uint64_t seq = 0;
  EventKind kind = EventKind::kCallback;
  ProcessId process = kNoProcess;
  uint64_t incarnation = 0;
  uint64_t id = 0;  // Fibre id (kRun, kWake) or timer id (kTimer).
  uint64_t generation = 0;
  WakeReason reason = WakeReason::kNotified;
  std::function<void()> callback;
};

// --- The Executor view of one process --------------------------------------

class SimEvent final : public core::env::Event {
 public:
  SimEvent(SimLoop& loop) : waiters_(loop) {}
  void Notify() override {
    set_ = true;
    waiters_.NotifyAll();
  }
  void Reset() override { set_ = false; }
  bool IsSet() const override { return set_; }
  void Wait() override {
    if (!set_) waiters_.Wait(std::nullopt);
  }
  // True when woken by Notify (even if Reset ran before this fibre did).
  bool WaitFor(Duration timeout) override {
    if (set_) return true;
    return waiters_.Wait(timeout) == WakeReason::kNotified;
  }

 private:
  bool set_ = false;
  WaitList waiters_;
};

class ProcessExecutor final : public core::env::Executor {
 public:
  ProcessExecutor(SimLoop& loop, ProcessId process)
      : loop_(loop), process_(process) {}
  void Spawn(std::string name, std::function<void()> body) override {
    loop_.Spawn(process_, std::move(name), std::move(body));
  }
  void Yield() override { loop_.Yield(process_); }
  void SleepFor(Duration duration) override {
    loop_.SleepFor(process_, duration);
  }
  std::unique_ptr<core::env::Event> NewEvent() override {
    return std::make_unique<SimEvent>(loop_);
  }
  TimerId After(Duration delay, std::function<void()> callback) override {
    return loop_.After(process_, delay, std::move(callback));
  }
  void Cancel(TimerId id) override { loop_.Cancel(process_, id); }

 private:
  SimLoop& loop_;
  ProcessId process_;
};

// Heap order: the earliest (at, tiebreak, seq) on top.
bool SimLoop::Later(const Event& a, const Event& b) {
  if (a.at != b.at) return a.at > b.at;
  if (a.tiebreak != b.tiebreak) return a.tiebreak > b.tiebreak;
  return a.seq > b.seq;
}

// --- Construction, running --------------------------------------------------

std::string SimLoopOptions::ToString() const {
  std::ostringstream out;
  out << "seed=" << seed << " fibre_stack_bytes=" << fibre_stack_bytes
      << " max_cached_stacks=" << max_cached_stacks;
  return out.str();
}

SimLoop::SimLoop(const SimLoopOptions& options)
    : options_(options),
      schedule_prng_(core::base::Prng(options.seed).Fork()),
      fork_prng_(core::base::Prng(~options.seed).Fork()),
      stack_pool_(options.fibre_stack_bytes, options.max_cached_stacks) {}

SimLoop::~SimLoop() { Shutdown(); }

void SimLoop::Shutdown() {
  if (shut_down_) return;
  CHECK(current_ == nullptr) << "Shutdown from inside a fibre";
  shut_down_ = true;
  for (auto& p : processes_) {
    p->up = false;
    p->timers.clear();
    p->deferred.clear();
  }
  for (auto& p : processes_) KillFibres(*p);
  for (auto& p : processes_) p->state.reset();
  graveyard_.clear();
  queue_.clear();
}

bool SimLoop::Idle() const { return queue_.empty(); }
size_t SimLoop::scheduled_events() const { return queue_.size(); }

void SimLoop::Run() { RunUntil(Instant::FromNanoseconds(INT64_MAX)); }

void SimLoop::RunUntil(Instant deadline) {
  CHECK(current_ == nullptr) << "Run* from inside a fibre";
  stop_requested_ = false;
  while (!stop_requested_ && !queue_.empty() && queue_.front().at <= deadline) {
    Step();
  }
  if (!stop_requested_ && now_ < deadline &&
      deadline.nanoseconds() != INT64_MAX) {
    now_ = deadline;
  }
}

void SimLoop::RunFor(Duration duration) {
  CHECK_GE(duration.nanoseconds(), 0);
  RunUntil(now_ + duration);
}

void SimLoop::Push(Event event) {
  CHECK_GE(event.at, now_) << "scheduling into the past";
  if (MUTANT(SIM_FIFO_TIES)) {
    // Known bug: ties at one instant run in scheduling order, so the seed no
    // longer explores interleavings.
    event.tiebreak = 0;
  } else {
    event.tiebreak = schedule_prng_.NextU64();
  }
  event.seq = next_seq_++;
  queue_.push_back(std::move(event));
  std::push_heap(queue_.begin(), queue_.end(), Later);
}

void SimLoop::Step() {
  std::pop_heap(queue_.begin(), queue_.end(), Later);
  Event event = std::move(queue_.back());
  queue_.pop_back();
  now_ = event.at;  // Never backwards: Push refuses the past.
  ++events_dispatched_;
  switch (event.kind) {
    case EventKind::kRun:
      DispatchRun(event);
      break;
    case EventKind::kWake:
      DispatchWake(event);
      break;
    case EventKind::kTimer:
      DispatchTimer(event);
      break;
    case EventKind::kCallback:
      if (event.process != kNoProcess &&
          process(event.process).incarnation != event.incarnation) {
        Trace(TraceKind::kStaleEvent, event.process, event.seq);
        break;
      }
      Trace(TraceKind::kCallback, event.process, 0);
      event.callback();
      break;
  }
  graveyard_.clear();
}

// --- Fibres -----------------------------------------------------------------

SimLoop::Process& SimLoop::process(ProcessId id) {
  CHECK_LT(id, processes_.size()) << "unknown process";
  return *processes_[id];
}

const SimLoop::Process& SimLoop::process(ProcessId id) const {
  CHECK_LT(id, processes_.size()) << "unknown process";
  return *processes_[id];
}

SimLoop::FibreRecord& SimLoop::CurrentFibre(const char* operation) {
  CHECK(current_ != nullptr) << operation << " outside a fibre";
  return *current_;
}

SimLoop::FibreRecord* SimLoop::FindFibre(Process& p, FibreId id) {
  auto it = p.fibres.find(id);
  return it == p.fibres.end() ? nullptr : it->second.get();
}

void SimLoop::ScheduleRun(FibreRecord& fibre) {
  Event event;
  event.at = now_;
  event.kind = EventKind::kRun;
  event.process = fibre.process;
  event.incarnation = process(fibre.process).incarnation;
  event.id = fibre.id;
  Push(std::move(event));
}

void SimLoop::ScheduleWake(FibreRecord& fibre, Instant at, WakeReason reason) {
  Event event;
  event.at = at;
  event.kind = EventKind::kWake;
  event.process = fibre.process;
  event.incarnation = process(fibre.process).incarnation;
  event.id = fibre.id;
  event.generation = fibre.park_generation;
  event.reason = reason;
  Push(std::move(event));
}

void SimLoop::DispatchRun(Event& event) {
  Process& p = process(event.process);
  FibreRecord* fibre = FindFibre(p, event.id);
  if (fibre == nullptr || p.incarnation != event.incarnation) {
    Trace(TraceKind::kStaleEvent, event.process, event.id);
    return;
  }
  CHECK(!fibre->parked);
  RunFibre(p, *fibre);
}

void SimLoop::DispatchWake(Event& event) {
  Process& p = process(event.process);
  FibreRecord* fibre = FindFibre(p, event.id);
  if (fibre == nullptr || p.incarnation != event.incarnation ||
      !fibre->parked || fibre->park_generation != event.generation) {
    Trace(TraceKind::kStaleEvent, event.process, event.id);
    return;
  }
  fibre->parked = false;
  ++fibre->park_generation;
  fibre->wake_reason = event.reason;
  Trace(TraceKind::kFibreWake, p.id,
        fibre->id * 2 + (event.reason == WakeReason::kTimedOut ? 1 : 0));
  RunFibre(p, *fibre);
}

void SimLoop::DispatchTimer(Event& event) {
  Process& p = process(event.process);
  auto it = p.timers.find(event.id);
  if (p.incarnation != event.incarnation || it == p.timers.end()) {
    Trace(TraceKind::kStaleEvent, event.process, event.id);
    return;
  }
  // The drift may have changed since the timer was set: never fire early.
  if (p.clock->NowMonotonic() < it->second.monotonic_deadline) {
    event.at = p.clock->TrueInstantAtMonotonic(it->second.monotonic_deadline);
    Push(std::move(event));
    return;
  }
  std::function<void()> callback = std::move(it->second.callback);
  p.timers.erase(it);
  Trace(TraceKind::kTimerFire, p.id, event.id);
  // The fibre takes its turn through a kRun event (and a random tie-break)
  // like any other spawned fibre.
  Spawn(p.id, "timer", std::move(callback));
}

void SimLoop::RunFibre(Process& p, FibreRecord& fibre) {
  if (p.paused) {
    p.deferred.push_back(fibre.id);
    return;
  }
  Trace(TraceKind::kFibreRun, p.id, fibre.id);
  const FibreId id = fibre.id;
  ResumeFibre(fibre);
  EraseIfFinished(p, id);
}

void SimLoop::ResumeFibre(FibreRecord& fibre) {
  FibreRecord* previous = current_;
  current_ = &fibre;
  ++fibre_switches_;
  fibre.fibre->Resume();
  current_ = previous;
}

void SimLoop::EraseIfFinished(Process& p, FibreId id) {
  auto it = p.fibres.find(id);
  if (it == p.fibres.end() || !it->second->fibre->finished()) return;
  Trace(TraceKind::kFibreFinish, p.id, id);
  p.fibres.erase(it);
}

void SimLoop::KillFibres(Process& p) {
  // Killing runs destructors on the victims' stacks, which may end other
  // fibres of the process; re-read the map after each kill.
  FibreId next = 0;
  while (true) {
    auto it = p.fibres.lower_bound(next);
    if (it == p.fibres.end()) break;
    FibreRecord& fibre = *it->second;
    next = fibre.id + 1;
    if (&fibre == current_ || fibre.fibre->on_cpu()) continue;
    FibreRecord* previous = current_;
    current_ = &fibre;
    fibre.fibre->Kill();
    current_ = previous;
    p.fibres.erase(fibre.id);
  }
}

WakeReason SimLoop::Park() {
  FibreRecord& fibre = CurrentFibre("a blocking call");
  fibre.parked = true;
  ++fibre_switches_;
  fibre.fibre->Suspend();  // Throws FibreKilled when killed while parked.
  CHECK(!fibre.parked);
  return fibre.wake_reason;
}

// --- Executor operations ----------------------------------------------------

FibreId SimLoop::Spawn(ProcessId id, std::string name,
                       std::function<void()> body) {
  Process& p = process(id);
  // A down process (or one being destroyed) starts nothing: its driver's
  // destructors may still try.
  if (!p.up) return 0;
  auto record = std::make_unique<FibreRecord>();
  record->id = next_fibre_id_++;
  record->process = id;
  record->name = std::move(name);
  record->fibre = std::make_unique<Fibre>(stack_pool_, std::move(body));
  FibreRecord& fibre = *record;
  p.fibres.emplace(fibre.id, std::move(record));
  Trace(TraceKind::kFibreSpawn, id, fibre.id);
  ScheduleRun(fibre);
  return fibre.id;
}

void SimLoop::Yield(ProcessId id) {
  FibreRecord& fibre = CurrentFibre("Yield");
  CHECK_EQ(fibre.process, id) << "Yield on another process's executor";
  ScheduleWake(fibre, now_, WakeReason::kNotified);
  Park();
}

void SimLoop::SleepFor(ProcessId id, Duration duration) {
  FibreRecord& fibre = CurrentFibre("SleepFor");
  CHECK_EQ(fibre.process, id) << "SleepFor on another process's executor";
  if (duration <= Duration::Zero()) {
    Yield(id);
    return;
  }
  SimClock& clock = *process(id).clock;
  const Instant target = clock.NowMonotonic() + duration;
  // Loops only if the drift slowed down while sleeping.
  while (clock.NowMonotonic() < target) {
    ScheduleWake(fibre, clock.TrueInstantAtMonotonic(target),
                 WakeReason::kTimedOut);
    Park();
  }
}

TimerId SimLoop::After(ProcessId id, Duration delay,
                       std::function<void()> callback) {
  Process& p = process(id);
  const TimerId timer = p.next_timer_id++;
  if (!p.up) return timer;  // Never fires.
  const Instant deadline =
      p.clock->NowMonotonic() + std::max(delay, Duration::Zero());
  p.timers.emplace(timer, TimerEntry{deadline, std::move(callback)});
  Event event;
  event.at = p.clock->TrueInstantAtMonotonic(deadline);
  event.kind = EventKind::kTimer;
  event.process = id;
  event.incarnation = p.incarnation;
  event.id = timer;
  Push(std::move(event));
  Trace(TraceKind::kTimerSet, id, timer);
  return timer;
}

void SimLoop::Cancel(ProcessId id, TimerId timer) {
  process(id).timers.erase(timer);
}

// --- Processes --------------------------------------------------------------

ProcessId SimLoop::AddProcess(const ProcessOptions& options) {
  CHECK(!shut_down_);
  const ProcessId id = static_cast<ProcessId>(processes_.size());
  auto p = std::make_unique<Process>();
  p->id = id;
  p->name = options.name.empty() ? "p" + std::to_string(id) : options.name;
  p->clock = std::make_unique<SimClock>(*this, options.clock);
  p->random = std::make_unique<core::env::SeededRandom>(fork_prng_.NextU64());
  p->executor = std::make_unique<ProcessExecutor>(*this, id);
  processes_.push_back(std::move(p));
  return id;
}

void SimLoop::Boot(ProcessId id, ProcessFactory factory) {
  Process& p = process(id);
  CHECK(p.up) << "Boot of a crashed process; use Restart";
  CHECK(p.state == nullptr) << "Boot twice";
  p.factory = std::move(factory);
  if (p.factory) p.state = p.factory();
}

void SimLoop::Crash(ProcessId id) {
  Process& p = process(id);
  CHECK(p.up) << "Crash of a process that is down: " << p.name;
  Trace(TraceKind::kProcessCrash, id, p.incarnation);
  p.up = false;
  p.paused = false;
  ++p.incarnation;
  p.timers.clear();
  p.deferred.clear();
  KillFibres(p);
  for (auto& observer : crash_observers_) observer(id);
  graveyard_.push_back(std::move(p.state));
  const bool self = current_ != nullptr && current_->process == id;
  if (current_ == nullptr) graveyard_.clear();
  if (self) {
    // The caller is a fibre of the crashed process: it unwinds now.
    current_->fibre->MarkKilled();
    throw FibreKilled{};
  }
}

void SimLoop::Restart(ProcessId id) {
  Process& p = process(id);
  CHECK(!shut_down_);
  CHECK(!p.up) << "Restart of a process that is up: " << p.name;
  Trace(TraceKind::kProcessRestart, id, p.incarnation);
  p.up = true;
  if (p.factory) p.state = p.factory();
}

void SimLoop::Pause(ProcessId id, Duration duration) {
  Process& p = process(id);
  CHECK(p.up) << "Pause of a process that is down: " << p.name;
  Trace(TraceKind::kProcessPause, id,
        static_cast<uint64_t>(duration.nanoseconds()));
  p.paused = true;
  const uint64_t generation = ++p.pause_generation;
  const uint64_t incarnation = p.incarnation;
  ScheduleCallback(
      now_ + std::max(duration, Duration::Zero()), kNoProcess,
      [this, id, generation, incarnation] {
        Process& q = process(id);
        if (q.incarnation == incarnation && q.pause_generation == generation) {
          Unpause(id);
        }
      });
}

void SimLoop::Unpause(ProcessId id) {
  Process& p = process(id);
  if (!p.paused) return;
  Trace(TraceKind::kProcessUnpause, id, p.deferred.size());
  p.paused = false;
  std::vector<FibreId> deferred = std::move(p.deferred);
  p.deferred.clear();
  for (FibreId fibre_id : deferred) {
    if (FibreRecord* fibre = FindFibre(p, fibre_id)) ScheduleRun(*fibre);
  }
}

const std::string& SimLoop::process_name(ProcessId id) const {
  return process(id).name;
}
bool SimLoop::IsUp(ProcessId id) const { return process(id).up; }
bool SimLoop::IsPaused(ProcessId id) const { return process(id).paused; }
uint64_t SimLoop::incarnation(ProcessId id) const {
  return process(id).incarnation;
}
size_t SimLoop::live_fibres(ProcessId id) const {
  return process(id).fibres.size();
}
ProcessState* SimLoop::state(ProcessId id) { return process(id).state.get(); }
core::env::Executor& SimLoop::executor(ProcessId id) {
  return *process(id).executor;
}
SimClock& SimLoop::clock(ProcessId id) { return *process(id).clock; }
core::env::Random& SimLoop::random(ProcessId id) { return *process(id).random; }

// --- Hooks ------------------------------------------------------------------

void SimLoop::ScheduleCallback(Instant at, ProcessId owner,
                               std::function<void()> callback) {
  if (shut_down_) return;
  Event event;
  event.at = std::max(at, now_);
  event.kind = EventKind::kCallback;
  event.process = owner;
  event.incarnation = owner == kNoProcess ? 0 : process(owner).incarnation;
  event.callback = std::move(callback);
  Push(std::move(event));
}

void SimLoop::AddCrashObserver(std::function<void(ProcessId)> observer) {
  crash_observers_.push_back(std::move(observer));
}

ProcessId SimLoop::current_process() const {
  return current_ == nullptr ? kNoProcess : current_->process;
}

core::base::Prng SimLoop::ForkPrng() { return fork_prng_.Fork(); }

void SimLoop::Trace(TraceKind kind, ProcessId process, uint64_t detail) {
  const TraceRecord record{now_, process, kind, detail};
  trace_.Fold(record);
  if (trace_sink_) trace_sink_(record);
}

// --- fibre::WaitList's parking ----------------------------------------------

SimLoop::Waiter SimLoop::ParkingWaiter(const char* operation) {
  const FibreRecord& fibre = CurrentFibre(operation);
  return {fibre.process, fibre.id, fibre.park_generation};
}

void SimLoop::WakeOnTimeout(const Waiter& waiter, Duration timeout) {
  // Called by the waiting fibre itself, before it parks.
  FibreRecord& fibre = CurrentFibre("WaitList::Wait");
  CHECK(fibre.id == waiter.fibre) << "a timed wake armed for another fibre";
  SimClock& clock = *process(waiter.process).clock;
  ScheduleWake(fibre, Now() + clock.TrueDelayFor(timeout),
               WakeReason::kTimedOut);
}

void SimLoop::WakeNotified(const Waiter& waiter) {
  FibreRecord* fibre = FindFibre(process(waiter.process), waiter.fibre);
  if (fibre == nullptr || fibre->park_generation != waiter.generation) return;
  ScheduleWake(*fibre, Now(), WakeReason::kNotified);
}

}  // namespace sim
