#include "runtime/loop/epoll_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "core/base/check.h"

namespace runtime {

using core::base::Duration;
using core::base::Instant;
using core::env::TimerId;

struct EpollLoop::FibreRecord {
  FibreId id;
  std::string name;
  std::unique_ptr<fibre::Fibre> fibre;
  // A parked fibre waits for a wake carrying its generation; waking bumps
  // it, so every other pending wake (a timeout, a second notify) is stale.
  bool parked = false;
  uint64_t generation = 0;
  WakeReason wake_reason = WakeReason::kNotified;
};

namespace {

// The eventfd's epoll tag; watches are numbered from 1.
constexpr uint64_t kWakeTag = 0;

class EpollEvent final : public core::env::Event {
 public:
  explicit EpollEvent(EpollLoop& loop) : loop_(loop), waiters_(loop) {}
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
  bool WaitFor(Duration timeout) override;

 private:
  EpollLoop& loop_;
  bool set_ = false;
  WaitList waiters_;
};

}  // namespace

// --- Construction, running --------------------------------------------------

EpollLoop::EpollLoop(const EpollLoopOptions& options)
    : options_(options),
      stack_pool_(options.fibre_stack_bytes, options.max_cached_stacks) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  CHECK_GE(epoll_fd_, 0) << "epoll_create1 failed, errno " << errno;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  CHECK_GE(wake_fd_, 0) << "eventfd failed, errno " << errno;
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeTag;
  CHECK_EQ(epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event), 0);
}

EpollLoop::~EpollLoop() {
  Shutdown();
  CHECK(watches_.empty()) << "an FdWatch outlives its EpollLoop";
  close(wake_fd_);
  close(epoll_fd_);
}

void EpollLoop::Shutdown() {
  if (shut_down_) return;
  CHECK(current_ == nullptr) << "Shutdown from inside a fibre";
  shut_down_ = true;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    posts_closed_ = true;
    posted_.clear();
  }
  timers_.clear();
  after_callbacks_.clear();
  ready_.clear();
  // Killing runs destructors on the victims' stacks, which may end (or,
  // harmlessly, try to spawn) other fibres; re-read the map after each.
  while (!fibres_.empty()) {
    auto it = fibres_.begin();
    FibreRecord& record = *it->second;
    current_ = &record;
    record.fibre->Kill();
    current_ = nullptr;
    fibres_.erase(record.id);
  }
  ready_.clear();
  timers_.clear();
}

void EpollLoop::Run() {
  CHECK(current_ == nullptr) << "Run from inside a fibre";
  CHECK(!shut_down_) << "Run after Shutdown";
  stop_requested_.store(false);
  while (!stop_requested_.load()) {
    RunPosted();
    FireDueTimers();
    RunReady();
    if (stop_requested_.load()) break;
    PollOnce(PollTimeoutMs());
  }
}

void EpollLoop::Stop() {
  stop_requested_.store(true);
  const uint64_t one = 1;
  // Only a full counter (never, in practice) fails; then a wake is pending.
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
}

void EpollLoop::Post(std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    if (posts_closed_) return;
    posted_.push_back(std::move(callback));
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
}

void EpollLoop::RunPosted() {
  std::vector<std::function<void()>> posted;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    posted.swap(posted_);
  }
  for (auto& callback : posted) callback();
}

bool EpollLoop::Later(const TimerEntry& a, const TimerEntry& b) {
  if (a.at != b.at) return a.at > b.at;
  return a.seq > b.seq;
}

void EpollLoop::PushTimer(TimerEntry entry) {
  entry.seq = next_timer_seq_++;
  timers_.push_back(entry);
  std::push_heap(timers_.begin(), timers_.end(), Later);
}

void EpollLoop::FireDueTimers() {
  const Instant now = clock_.NowMonotonic();
  while (!timers_.empty() && timers_.front().at <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), Later);
    const TimerEntry entry = timers_.back();
    timers_.pop_back();
    if (entry.timer == 0) {
      Wake(entry.fibre, entry.generation, WakeReason::kTimedOut);
      continue;
    }
    auto it = after_callbacks_.find(entry.timer);
    if (it == after_callbacks_.end()) continue;  // Cancelled.
    std::function<void()> callback = std::move(it->second);
    after_callbacks_.erase(it);
    Spawn("timer", std::move(callback));
  }
}

void EpollLoop::RunReady() {
  // One round: fibres made runnable meanwhile wait for the next round, after
  // timers and fd events had their turn.
  std::vector<Ready> round;
  round.swap(ready_);
  for (const Ready& ready : round) {
    auto it = fibres_.find(ready.fibre);
    if (it == fibres_.end()) continue;
    FibreRecord& record = *it->second;
    if (record.fibre->started() &&
        (!record.parked || record.generation != ready.generation)) {
      continue;  // A stale wake.
    }
    record.parked = false;
    ++record.generation;
    record.wake_reason = ready.reason;
    ResumeFibre(record);
    if (record.fibre->finished()) fibres_.erase(ready.fibre);
  }
}

int EpollLoop::PollTimeoutMs() {
  if (!ready_.empty()) return 0;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    if (!posted_.empty()) return 0;
  }
  if (timers_.empty()) return -1;
  const Duration left = timers_.front().at - clock_.NowMonotonic();
  if (left <= Duration::Zero()) return 0;
  // Round up: waking a little late is fine, early would spin.
  const int64_t ms = (left.nanoseconds() + 999'999) / 1'000'000;
  return static_cast<int>(std::min<int64_t>(ms, 60'000));
}

void EpollLoop::PollOnce(int timeout_ms) {
  epoll_event events[64];
  const int n = epoll_wait(epoll_fd_, events, 64, timeout_ms);
  if (n < 0) {
    CHECK_EQ(errno, EINTR) << "epoll_wait failed";
    return;
  }
  for (int i = 0; i < n; ++i) {
    const uint64_t tag = events[i].data.u64;
    if (tag == kWakeTag) {
      uint64_t count = 0;
      [[maybe_unused]] ssize_t r = read(wake_fd_, &count, sizeof(count));
      continue;
    }
    // A watch removed by an earlier event of this batch is gone.
    auto it = watches_.find(tag);
    if (it != watches_.end()) it->second->OnEvents(events[i].events);
  }
}

// --- Fibres -----------------------------------------------------------------

EpollLoop::FibreRecord& EpollLoop::CurrentFibre(const char* operation) {
  CHECK(current_ != nullptr) << operation << " outside a fibre";
  return *current_;
}

void EpollLoop::ResumeFibre(FibreRecord& record) {
  FibreRecord* previous = current_;
  current_ = &record;
  ++fibre_switches_;
  record.fibre->Resume();
  current_ = previous;
}

WakeReason EpollLoop::Park() {
  FibreRecord& record = CurrentFibre("a blocking call");
  record.parked = true;
  ++fibre_switches_;
  record.fibre->Suspend();  // Throws FibreKilled when killed while parked.
  return record.wake_reason;
}

void EpollLoop::Wake(FibreId fibre, uint64_t generation, WakeReason reason) {
  auto it = fibres_.find(fibre);
  if (it == fibres_.end()) return;
  const FibreRecord& record = *it->second;
  if (!record.parked || record.generation != generation) return;
  ready_.push_back({fibre, generation, reason});
}

void EpollLoop::WakeAt(Instant at, FibreId fibre, uint64_t generation) {
  PushTimer({at, 0, fibre, generation, 0});
}

void EpollLoop::Spawn(std::string name, std::function<void()> body) {
  if (shut_down_) return;  // A destructor running at shutdown.
  auto record = std::make_unique<FibreRecord>();
  record->id = next_fibre_id_++;
  record->name = std::move(name);
  record->fibre = std::make_unique<fibre::Fibre>(stack_pool_, std::move(body));
  ready_.push_back({record->id, 0, WakeReason::kNotified});
  fibres_.emplace(record->id, std::move(record));
}

void EpollLoop::Yield() {
  FibreRecord& record = CurrentFibre("Yield");
  // Parked with a wake already queued: resumed in the next round.
  ready_.push_back({record.id, record.generation, WakeReason::kNotified});
  Park();
}

void EpollLoop::SleepFor(Duration duration) {
  FibreRecord& record = CurrentFibre("SleepFor");
  if (duration <= Duration::Zero()) {
    Yield();
    return;
  }
  const Instant target = clock_.NowMonotonic() + duration;
  while (clock_.NowMonotonic() < target) {
    WakeAt(target, record.id, record.generation);
    Park();
  }
}

std::unique_ptr<core::env::Event> EpollLoop::NewEvent() {
  return std::make_unique<EpollEvent>(*this);
}

TimerId EpollLoop::After(Duration delay, std::function<void()> callback) {
  const TimerId id = next_timer_id_++;
  if (shut_down_) return id;  // Never fires.
  after_callbacks_.emplace(id, std::move(callback));
  PushTimer(
      {clock_.NowMonotonic() + std::max(delay, Duration::Zero()), 0, 0, 0, id});
  return id;
}

void EpollLoop::Cancel(TimerId id) { after_callbacks_.erase(id); }

// --- fd watches -------------------------------------------------------------

uint64_t EpollLoop::AddWatch(int fd, FdWatch* watch) {
  const uint64_t id = next_watch_id_++;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.u64 = id;
  CHECK_EQ(epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event), 0)
      << "epoll_ctl ADD failed, errno " << errno;
  watches_.emplace(id, watch);
  return id;
}

void EpollLoop::RemoveWatch(int fd, uint64_t id) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  watches_.erase(id);
}

// --- WaitList parking, EpollEvent, FdWatch ----------------------------------

EpollLoop::Waiter EpollLoop::ParkingWaiter(const char* operation) {
  const FibreRecord& record = CurrentFibre(operation);
  return {record.id, record.generation};
}

bool EpollEvent::WaitFor(Duration timeout) {
  if (set_) return true;
  // The loop's clock is the one timers run on.
  return waiters_.Wait(loop_.clock().NowMonotonic() + timeout) ==
         WakeReason::kNotified;
}

FdWatch::FdWatch(EpollLoop& loop, int fd)
    : loop_(loop), fd_(fd), readers_(loop), writers_(loop) {
  id_ = loop_.AddWatch(fd_, this);
}

FdWatch::~FdWatch() {
  Detach();
  CHECK(readers_.empty() && writers_.empty())
      << "an FdWatch destroyed while fibres wait on it";
}

bool FdWatch::WaitReadable(std::optional<Instant> deadline) {
  if (detached_) return true;
  return readers_.Wait(deadline) == WakeReason::kNotified;
}

bool FdWatch::WaitWritable(std::optional<Instant> deadline) {
  if (detached_) return true;
  return writers_.Wait(deadline) == WakeReason::kNotified;
}

void FdWatch::Detach() {
  if (detached_) return;
  detached_ = true;
  loop_.RemoveWatch(fd_, id_);
  WakeAll();
}

void FdWatch::WakeAll() {
  readers_.NotifyAll();
  writers_.NotifyAll();
}

void FdWatch::OnEvents(uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    readers_.NotifyAll();
  }
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) writers_.NotifyAll();
}

}  // namespace runtime
