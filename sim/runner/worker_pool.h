// WorkerPool: runs jobs as child processes (fork/exec of a binary, usually
// the runner itself), at most `workers` at a time, capturing each child's
// stdout and stderr. The runner is a tool, not a core: it uses processes,
// pipes and the wall clock.
#ifndef SIM_RUNNER_WORKER_POOL_H_
#define SIM_RUNNER_WORKER_POOL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sim::runner {

struct Job {
  uint64_t id = 0;
  std::vector<std::string> args;  // without argv[0]
};

struct JobResult {
  uint64_t id = 0;
  bool exited = false;  // normal exit (see exit_code)
  int exit_code = -1;
  int signal = 0;  // the signal that killed it, if any
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved
  double wall_seconds = 0;
};

struct PoolOptions {
  int workers = 1;
  // A child running longer is killed and reported as timed out.
  double timeout_seconds = 600;
};

// The next job to run, or nullopt when there are no more. Called only when
// a worker is free, so a source that makes its jobs on demand (a sweep's
// seeds) never holds more than `workers` of them.
using JobSource = std::function<std::optional<Job>()>;

// Runs every job `next_job` yields; `on_done` is called (on the calling
// thread) as each finishes, in completion order. Returns early, after the
// running jobs end, once `stop()` returns true. `options.workers` must be at
// least 1 (the command line checks it).
void RunJobs(const std::string& binary, const JobSource& next_job,
             const PoolOptions& options,
             const std::function<void(const JobResult&)>& on_done,
             const std::function<bool()>& stop = nullptr);
// The same over a list made beforehand.
void RunJobs(const std::string& binary, const std::vector<Job>& jobs,
             const PoolOptions& options,
             const std::function<void(const JobResult&)>& on_done,
             const std::function<bool()>& stop = nullptr);

// The path of the running executable (/proc/self/exe), to re-exec it.
std::string SelfExecutable();

}  // namespace sim::runner

#endif  // SIM_RUNNER_WORKER_POOL_H_
