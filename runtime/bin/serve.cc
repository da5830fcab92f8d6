#include "runtime/bin/serve.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

namespace runtime::bin {
namespace {

std::atomic<EpollLoop*> signalled_loop{nullptr};
std::atomic<int> received_signal{0};
bool halted = false;

// Async-signal-safe: EpollLoop::Stop is an atomic store and an eventfd
// write.
void OnSignal(int signal_number) {
  received_signal.store(signal_number);
  if (EpollLoop* loop = signalled_loop.load()) loop->Stop();
}

// Ends the process if `done` is not set within `bound`.
class Watchdog {
 public:
  Watchdog(Logger& log, const std::string& component,
           core::base::Duration bound)
      : thread_([this, &log, component, bound] {
          std::unique_lock lock(mutex_);
          const auto limit = std::chrono::milliseconds(bound.milliseconds());
          if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) {
            log.Error(component, "graceful stop took longer than " +
                                     std::to_string(bound.milliseconds()) +
                                     " ms; exiting");
            _exit(1);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

std::optional<int> ParseCommandLine(FlagSet& flags, int argc, char** argv,
                                    std::unique_ptr<Logger>* log) {
  absl::Status parsed = flags.Parse(argc, argv);
  if (flags.help_asked()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok()) return UsageError(flags.program(), parsed);
  absl::StatusOr<LogLevel> level = ParseLogLevel(flags.Get("log-level"));
  if (!level.ok()) return UsageError(flags.program(), level.status());
  *log = std::make_unique<Logger>(*level);
  if (!flags.Get("log-file").empty()) {
    absl::Status opened = (*log)->OpenFile(flags.Get("log-file"));
    if (!opened.ok()) return UsageError(flags.program(), opened);
  }
  return std::nullopt;
}

int UsageError(const std::string& program, const absl::Status& status) {
  std::cerr << program << ": " << status.message() << " (see --help)\n";
  return kExitUsage;
}

void Halt(EpollLoop& loop, Logger& log, const std::string& component,
          const std::string& why) {
  log.Error(component, "halting: " + why);
  halted = true;
  loop.Stop();
}

int RunUntilSignalled(EpollLoop& loop, Logger& log,
                      const std::string& component,
                      const std::function<void()>& stop,
                      core::base::Duration stop_bound) {
  signalled_loop.store(&loop);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  loop.Run();
  if (const int signal_number = received_signal.load(); signal_number != 0) {
    log.Info(component,
             "received signal " + std::to_string(signal_number) + ", stopping");
  }
  {
    Watchdog watchdog(log, component, stop_bound);
    loop.Spawn("graceful-stop", [&] {
      stop();
      loop.Stop();
    });
    loop.Run();
  }
  signalled_loop.store(nullptr);
  log.Info(component, "stopped");
  return halted ? 1 : 0;
}

}  // namespace runtime::bin
