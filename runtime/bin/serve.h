// The lifecycle every server binary shares: run the loop until SIGTERM or
// SIGINT (or Halt from a fibre), then run the graceful stop on a fibre of
// the loop, bounded: a watchdog thread ends the process with status 1 if
// the stop has not finished within `stop_bound`.
//
//   int status = RunUntilSignalled(loop, log, "pd-server",
//                                  [&] { server->Shutdown(grace); ... },
//                                  Duration::Seconds(10));
#ifndef RUNTIME_BIN_SERVE_H_
#define RUNTIME_BIN_SERVE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "core/base/time.h"
#include "runtime/bin/flags.h"
#include "runtime/bin/log.h"
#include "runtime/loop/epoll_loop.h"

namespace runtime::bin {

// Parses the command line, then --log-level and --log-file (every binary
// has both) into `*log`. Returns the exit status to stop with: 0 after
// printing the usage for --help, kExitUsage after printing a bad flag's
// error; nullopt to go on.
std::optional<int> ParseCommandLine(FlagSet& flags, int argc, char** argv,
                                    std::unique_ptr<Logger>* log);
// Prints "PROGRAM: message (see --help)" to stderr; returns kExitUsage.
int UsageError(const std::string& program, const absl::Status& status);

// Stops the loop from a fibre on a fatal error (e.g. a storage failure):
// RunUntilSignalled then stops gracefully and returns 1.
void Halt(EpollLoop& loop, Logger& log, const std::string& component,
          const std::string& why);

// Returns the process's exit status: 0 after a signal and a clean stop,
// 1 after Halt.
int RunUntilSignalled(EpollLoop& loop, Logger& log,
                      const std::string& component,
                      const std::function<void()>& stop,
                      core::base::Duration stop_bound);

}  // namespace runtime::bin

#endif  // RUNTIME_BIN_SERVE_H_
