// WaitList: fibres parked on one condition until NotifyAll or their
// timeout, the building block of events, sockets and every other blocking
// object of a loop. One implementation for both loops (sim/loop's SimLoop
// and runtime/loop's EpollLoop); the loop supplies the parking:
//
//   typename Loop::Waiter        copyable; names one park of one fibre, with
//                                a member `fibre` (the fibre's id)
//   typename Loop::WaitTimeout   what a timed wait is given (the simulator: a
//                                duration of the process's clock; the
//                                runtime: a monotonic deadline)
//   Waiter ParkingWaiter(const char* operation)   the running fibre
//   void WakeOnTimeout(const Waiter&, const WaitTimeout&)   a timed wake
//                                (kTimedOut) for that park
//   WakeReason Park()            parks the running fibre; throws FibreKilled
//   void WakeNotified(const Waiter&)   makes it runnable (kNotified) if it
//                                still waits in that park
//
// Thread-affinity: the loop's thread.
#ifndef FIBRE_WAIT_LIST_H_
#define FIBRE_WAIT_LIST_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/base/check.h"

namespace fibre {

enum class WakeReason : uint8_t { kNotified, kTimedOut };

template <typename Loop>
class WaitList {
 public:
  using Waiter = typename Loop::Waiter;
  using WaitTimeout = typename Loop::WaitTimeout;

  explicit WaitList(Loop& loop) : loop_(loop) {}
  // Destroying a list with live waiters is a bug (they would never wake).
  ~WaitList() {
    CHECK(waiters_.empty()) << "a WaitList destroyed while fibres wait on it";
  }
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;

  // Parks the calling fibre until NotifyAll or `timeout`. Throws
  // FibreKilled if the fibre is killed meanwhile.
  WakeReason Wait(const std::optional<WaitTimeout>& timeout) {
    const Waiter waiter = loop_.ParkingWaiter("WaitList::Wait");
    waiters_.push_back(waiter);
    if (timeout.has_value()) loop_.WakeOnTimeout(waiter, *timeout);
    // On a timeout or a kill the entry is still here; remove it either way.
    struct Remove {
      std::vector<Waiter>& waiters;
      decltype(waiter.fibre) fibre;
      ~Remove() {
        std::erase_if(waiters,
                      [this](const Waiter& w) { return w.fibre == fibre; });
      }
    } remove{waiters_, waiter.fibre};
    return loop_.Park();
  }

  // Makes every waiter runnable. Callable from any fibre or callback of the
  // loop.
  void NotifyAll() {
    std::vector<Waiter> waiters = std::move(waiters_);
    waiters_.clear();
    for (const Waiter& waiter : waiters) loop_.WakeNotified(waiter);
  }

  bool empty() const { return waiters_.empty(); }

 private:
  Loop& loop_;
  std::vector<Waiter> waiters_;
};

}  // namespace fibre

#endif  // FIBRE_WAIT_LIST_H_
