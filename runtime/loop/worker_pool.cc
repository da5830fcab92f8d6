#include "runtime/loop/worker_pool.h"

#include "core/base/check.h"

namespace runtime {

WorkerPool::WorkerPool(size_t threads) {
  CHECK_GT(threads, 0u);
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { WorkerMain(); });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void WorkerPool::Submit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    CHECK(!stopping_) << "Submit to a stopping WorkerPool";
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void WorkerPool::WorkerMain() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // Stopping, and every job has run.
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace runtime
