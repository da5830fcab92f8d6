#include "sim/runner/worker_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <map>

#include "core/base/check.h"

namespace sim::runner {
namespace {

using Clock = std::chrono::steady_clock;

struct Running {
  pid_t pid = 0;
  int fd = -1;
  JobResult result;
  Clock::time_point start;
  bool eof = false;
};

Running Spawn(const std::string& binary, const Job& job) {
  int fds[2];
  CHECK_EQ(pipe(fds), 0) << std::strerror(errno);
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), job.args.begin(), job.args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  CHECK_GE(pid, 0) << "fork: " << std::strerror(errno);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  Running running;
  running.pid = pid;
  running.fd = fds[0];
  running.result.id = job.id;
  running.start = Clock::now();
  return running;
}

void Drain(Running& r) {
  char buffer[4096];
  while (true) {
    const ssize_t n = read(r.fd, buffer, sizeof(buffer));
    if (n > 0) {
      r.result.output.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) r.eof = true;
    return;
  }
}

void Reap(Running& r) {
  int status = 0;
  CHECK_EQ(waitpid(r.pid, &status, 0), r.pid);
  close(r.fd);
  if (WIFEXITED(status)) {
    r.result.exited = true;
    r.result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.result.signal = WTERMSIG(status);
  }
  r.result.wall_seconds =
      std::chrono::duration<double>(Clock::now() - r.start).count();
}

}  // namespace

std::string SelfExecutable() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  CHECK_GT(n, 0) << "readlink /proc/self/exe: " << std::strerror(errno);
  return std::string(path, static_cast<size_t>(n));
}

void RunJobs(const std::string& binary, const std::vector<Job>& jobs,
             const PoolOptions& options,
             const std::function<void(const JobResult&)>& on_done,
             const std::function<bool()>& stop) {
  size_t next = 0;
  const JobSource next_job = [&]() -> std::optional<Job> {
    if (next == jobs.size()) return std::nullopt;
    return jobs[next++];
  };
  RunJobs(binary, next_job, options, on_done, stop);
}

void RunJobs(const std::string& binary, const JobSource& next_job,
             const PoolOptions& options,
             const std::function<void(const JobResult&)>& on_done,
             const std::function<bool()>& stop) {
  CHECK_GE(options.workers, 1);
  std::map<int, Running> running;  // by fd
  bool exhausted = false;
  while (true) {
    const bool stopping = stop && stop();
    while (!stopping && !exhausted &&
           running.size() < static_cast<size_t>(options.workers)) {
      const std::optional<Job> job = next_job();
      if (!job.has_value()) {
        exhausted = true;
        break;
      }
      Running r = Spawn(binary, *job);
      running.emplace(r.fd, std::move(r));
    }
    if (running.empty()) break;
    std::vector<pollfd> fds;
    for (const auto& [fd, r] : running) fds.push_back({fd, POLLIN, 0});
    poll(fds.data(), fds.size(), 200);
    for (auto it = running.begin(); it != running.end();) {
      Running& r = it->second;
      Drain(r);
      const double age =
          std::chrono::duration<double>(Clock::now() - r.start).count();
      if (!r.eof && age > options.timeout_seconds) {
        kill(r.pid, SIGKILL);
        r.result.timed_out = true;
        r.eof = true;
      }
      if (!r.eof) {
        ++it;
        continue;
      }
      Reap(r);
      on_done(r.result);
      it = running.erase(it);
    }
  }
}

}  // namespace sim::runner
