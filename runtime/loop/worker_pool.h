// WorkerPool: a few OS threads for calls that block (a synced RocksDB
// write, a large read), so the loop thread never waits on a disk.
//
//   WorkerPool pool(2);
//   absl::Status s = RunOnPool<absl::Status>(loop, pool, [db, batch] {
//     return db->Write(*batch);          // on a worker thread
//   });                                  // the fibre parks meanwhile
//
// RunOnPool parks the calling fibre of `loop` until the job has run on a
// worker, then returns its result on the loop thread (the completion comes
// back through EpollLoop::Post). The job must own what it uses (capture by
// value, shared_ptr): if the fibre is killed while the job runs (loop
// Shutdown), the job still finishes and its result is dropped.
//
// Lifetime: the destructor runs every queued job, then joins the threads;
// the loops jobs complete to must outlive the pool.
#ifndef RUNTIME_LOOP_WORKER_POOL_H_
#define RUNTIME_LOOP_WORKER_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "core/env/executor.h"
#include "runtime/loop/epoll_loop.h"

namespace runtime {

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job` for a worker thread. Any thread.
  void Submit(std::function<void()> job);
  size_t threads() const { return threads_.size(); }

 private:
  void WorkerMain();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;  // Guarded by mutex_.
  bool stopping_ = false;                   // Guarded by mutex_.
  std::vector<std::thread> threads_;
};

template <typename T>
T RunOnPool(EpollLoop& loop, WorkerPool& pool, std::function<T()> job) {
  struct State {
    std::function<T()> job;
    std::optional<T> result;
    std::unique_ptr<core::env::Event> done;
  };
  auto state = std::make_shared<State>();
  state->job = std::move(job);
  state->done = loop.NewEvent();
  pool.Submit([&loop, state]() mutable {
    state->result.emplace(state->job());
    state->job = nullptr;
    // The only other reference is the fibre's: the state dies on the loop
    // thread (or here, if the loop is shut down and drops the post).
    loop.Post([state = std::move(state)] { state->done->Notify(); });
  });
  state->done->Wait();
  return std::move(*state->result);
}

}  // namespace runtime

#endif  // RUNTIME_LOOP_WORKER_POOL_H_
