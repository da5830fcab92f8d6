// Channel<T>: a bounded, fibre-aware FIFO mailbox (one per peer, per
// connection, per worker), written once over the env seam's Event and Clock,
// so it behaves the same on the simulator's SimLoop and the runtime's
// EpollLoop.
//
//   Channel<Msg> mailbox(env.executor, env.clock, /*capacity=*/1024);
//   mailbox.Send(msg);                        // parks while full
//   while (auto msg = mailbox.Receive()) ...  // nullopt once closed, drained
//   auto r = mailbox.ReceiveFor(timeout);     // kDeadlineExceeded, kCancelled
//
// Semantics:
//  * FIFO across every sender; any number of senders and receivers.
//  * Close() refuses further sends; receivers drain what is queued, then see
//    the end (nullopt, or kCancelled from ReceiveFor). Parked senders wake
//    and fail. Close is idempotent.
//  * Send parks the calling fibre while the channel is full; TrySend never
//    parks. A capacity of 0 is refused (a rendezvous channel needs a
//    partner, which this seam does not offer).
//  * ReceiveFor waits at most `timeout` of the node's monotonic time; a
//    zero timeout polls.
//
// Thread-affinity: every call from fibres of the one Executor given at
// construction (which, with the Clock, must outlive the channel). State is
// plain: fibres of one executor never run at once.
#ifndef CORE_ENV_CHANNEL_H_
#define CORE_ENV_CHANNEL_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/check.h"
#include "core/base/time.h"
#include "core/env/clock.h"
#include "core/env/executor.h"

namespace core::env {

template <typename T>
class Channel {
 public:
  Channel(Executor& executor, Clock& clock, size_t capacity)
      : clock_(clock),
        capacity_(capacity),
        not_empty_(executor.NewEvent()),
        not_full_(executor.NewEvent()) {
    CHECK(capacity > 0) << "a Channel needs room for at least one value";
    not_full_->Notify();
  }
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Parks while full. False (and `value` dropped) when the channel is or
  // becomes closed.
  bool Send(T value) {
    while (!closed_ && queue_.size() >= capacity_) not_full_->Wait();
    if (closed_) return false;
    Push(std::move(value));
    return true;
  }

  // Never parks: false when full or closed.
  bool TrySend(T value) {
    if (closed_ || queue_.size() >= capacity_) return false;
    Push(std::move(value));
    return true;
  }

  // Parks until a value arrives; nullopt once closed and drained.
  std::optional<T> Receive() {
    while (queue_.empty() && !closed_) not_empty_->Wait();
    if (queue_.empty()) return std::nullopt;
    return Pop();
  }

  // Parks at most `timeout`: kDeadlineExceeded when nothing arrived in
  // time, kCancelled once closed and drained.
  absl::StatusOr<T> ReceiveFor(base::Duration timeout) {
    const base::Instant deadline = clock_.NowMonotonic() + timeout;
    while (queue_.empty() && !closed_) {
      const base::Duration left = deadline - clock_.NowMonotonic();
      if (left <= base::Duration::Zero()) break;
      not_empty_->WaitFor(left);
    }
    if (!queue_.empty()) return Pop();
    if (closed_) return absl::CancelledError("channel closed");
    return absl::DeadlineExceededError("nothing received in time");
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    not_empty_->Notify();
    not_full_->Notify();
  }

  bool closed() const { return closed_; }
  size_t size() const { return queue_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  void Push(T value) {
    queue_.push_back(std::move(value));
    not_empty_->Notify();
    if (queue_.size() >= capacity_) not_full_->Reset();
  }

  T Pop() {
    T value = std::move(queue_.front());
    queue_.pop_front();
    if (queue_.empty() && !closed_) not_empty_->Reset();
    not_full_->Notify();
    return value;
  }

  Clock& clock_;
  const size_t capacity_;
  std::deque<T> queue_;
  bool closed_ = false;
  // Level-triggered: set while the queue is non-empty (or closed), and
  // while it has room (or closed).
  std::unique_ptr<Event> not_empty_;
  std::unique_ptr<Event> not_full_;
};

}  // namespace core::env

#endif  // CORE_ENV_CHANNEL_H_
