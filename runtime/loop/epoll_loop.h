// EpollLoop: the runtime's Executor. One OS thread runs every fibre of a
// node on boost.context stacks (fibre/), with timers on a heap, fibre-aware
// events, and file-descriptor readiness from epoll (TcpNetwork parks its
// reads, writes, accepts and connects here).
//
//   EpollLoop loop;
//   loop.Spawn("main", [&] { ...; loop.Stop(); });
//   loop.Run();        // until Stop()
//   loop.Shutdown();   // kills every fibre still parked (also the destructor)
//
// Scheduling: runnable fibres run in FIFO order, one at a time; a fibre keeps
// the CPU until it blocks or yields. Between rounds of runnable fibres the
// loop polls epoll without waiting; when nothing is runnable it sleeps in
// epoll_wait until the next timer, an fd event, or a wake from another thread
// (an eventfd).
//
// Other threads may call only Post (run a callback on the loop thread: how
// the worker pool hands back completions) and Stop.
//
// Shutdown kills every fibre still alive: its stack unwinds (FibreKilled),
// running destructors and nothing else, as a SimLoop crash does. Objects the
// fibres use (connections, engines) must outlive Shutdown.
#ifndef RUNTIME_LOOP_EPOLL_LOOP_H_
#define RUNTIME_LOOP_EPOLL_LOOP_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "core/env/executor.h"
#include "fibre/fibre.h"
#include "fibre/stack_pool.h"
#include "fibre/wait_list.h"
#include "runtime/loop/system_clock.h"

namespace runtime {

struct EpollLoopOptions {
  // Usable bytes per fibre stack; a guard page is added below.
  size_t fibre_stack_bytes = 256 * 1024;
  size_t max_cached_stacks = 256;
};

class FdWatch;
using FibreId = uint64_t;
using WakeReason = fibre::WakeReason;

class EpollLoop final : public core::env::Executor {
 public:
  explicit EpollLoop(const EpollLoopOptions& options = {});
  ~EpollLoop() override;
  EpollLoop(const EpollLoop&) = delete;
  EpollLoop& operator=(const EpollLoop&) = delete;

  // Runs fibres, timers and fd events on the calling thread until Stop().
  void Run();
  // Makes Run return once the current round of runnable fibres is done (the
  // rest stay runnable for the next Run). Any thread.
  void Stop();
  // Kills every fibre, drops every timer and later posts. Idempotent; the
  // loop thread, outside Run.
  void Shutdown();
  // Runs `callback` on the loop thread, on the loop's own stack (it must not
  // block), soon. Any thread. Dropped after Shutdown.
  void Post(std::function<void()> callback);

  SystemClock& clock() { return clock_; }
  bool InFibre() const { return current_ != nullptr; }
  size_t live_fibres() const { return fibres_.size(); }
  uint64_t fibre_switches() const { return fibre_switches_; }

  // core::env::Executor.
  void Spawn(std::string name, std::function<void()> body) override;
  void Yield() override;
  void SleepFor(core::base::Duration duration) override;
  std::unique_ptr<core::env::Event> NewEvent() override;
  core::env::TimerId After(core::base::Duration delay,
                           std::function<void()> callback) override;
  void Cancel(core::env::TimerId id) override;

 private:
  friend class fibre::WaitList<EpollLoop>;
  // fibre::WaitList's parking (fibre/wait_list.h).
  struct Waiter {
    FibreId fibre;
    uint64_t generation;
  };
  using WaitTimeout = core::base::Instant;
  Waiter ParkingWaiter(const char* operation);
  void WakeOnTimeout(const Waiter& waiter, core::base::Instant deadline) {
    WakeAt(deadline, waiter.fibre, waiter.generation);
  }
  void WakeNotified(const Waiter& waiter) {
    Wake(waiter.fibre, waiter.generation, WakeReason::kNotified);
  }
  friend class FdWatch;
  struct FibreRecord;
  struct TimerEntry {
    core::base::Instant at;
    uint64_t seq;
    // A fibre's timed wake (fibre, generation) or an After timer (timer).
    FibreId fibre;
    uint64_t generation;
    core::env::TimerId timer;
  };
  struct Ready {
    FibreId fibre;
    uint64_t generation;
    WakeReason reason;
  };
  static bool Later(const TimerEntry& a, const TimerEntry& b);

  FibreRecord& CurrentFibre(const char* operation);
  // Parks the running fibre until Wake with its generation. Throws
  // FibreKilled when killed meanwhile.
  WakeReason Park();
  // Makes a parked fibre runnable if it still waits for `generation`.
  void Wake(FibreId fibre, uint64_t generation, WakeReason reason);
  void WakeAt(core::base::Instant at, FibreId fibre, uint64_t generation);
  void PushTimer(TimerEntry entry);

  void RunReady();
  void FireDueTimers();
  void RunPosted();
  // Waits in epoll for at most `timeout_ms` (-1: forever), dispatches.
  void PollOnce(int timeout_ms);
  int PollTimeoutMs();
  void ResumeFibre(FibreRecord& fibre);

  // fd readiness (FdWatch).
  uint64_t AddWatch(int fd, FdWatch* watch);
  void RemoveWatch(int fd, uint64_t id);

  EpollLoopOptions options_;
  SystemClock clock_;
  fibre::StackPool stack_pool_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::map<FibreId, std::unique_ptr<FibreRecord>> fibres_;
  FibreId next_fibre_id_ = 1;
  FibreRecord* current_ = nullptr;
  std::vector<Ready> ready_;
  std::vector<TimerEntry> timers_;  // A binary min-heap (Later).
  uint64_t next_timer_seq_ = 0;
  std::map<core::env::TimerId, std::function<void()>> after_callbacks_;
  core::env::TimerId next_timer_id_ = 1;
  std::map<uint64_t, FdWatch*> watches_;
  uint64_t next_watch_id_ = 1;
  std::atomic<bool> stop_requested_{false};
  bool shut_down_ = false;
  uint64_t fibre_switches_ = 0;

  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;  // Guarded by posted_mutex_.
  bool posts_closed_ = false;                  // Guarded by posted_mutex_.
};

// Fibres parked until NotifyAll or a monotonic deadline (events, fd
// readiness).
using WaitList = fibre::WaitList<EpollLoop>;

// One non-blocking file descriptor registered with the loop's epoll
// (edge-triggered): the fd's owner tries its syscall first and, on EAGAIN,
// parks in WaitReadable / WaitWritable. Does not own or close the fd.
class FdWatch {
 public:
  FdWatch(EpollLoop& loop, int fd);
  // Wakes every waiter (they must then see that their object closed).
  ~FdWatch();
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;

  // Parks until the fd may be readable (or has an error or hang-up); false
  // when `deadline` passed first.
  bool WaitReadable(std::optional<core::base::Instant> deadline);
  bool WaitWritable(std::optional<core::base::Instant> deadline);
  // Wakes every waiter now (Close of the owning object).
  void WakeAll();
  // Removes the fd from epoll before its owner closes it; later waits
  // return at once. The watch itself stays valid for fibres still waking.
  void Detach();

 private:
  friend class EpollLoop;
  void OnEvents(uint32_t events);

  EpollLoop& loop_;
  int fd_;
  uint64_t id_;
  bool detached_ = false;
  WaitList readers_;
  WaitList writers_;
};

}  // namespace runtime

#endif  // RUNTIME_LOOP_EPOLL_LOOP_H_
