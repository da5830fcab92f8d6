// One line per event, TiKV's shape: `[2026/01/02 15:04:05.000 +00:00]
// [INFO] [component] message`, to stderr or to --log-file, at or above
// --log-level. The binaries log lifecycle events (start, bootstrap,
// serving, stop), never per request.
//
// Thread-affinity: any thread (each line is one write).
#ifndef RUNTIME_BIN_LOG_H_
#define RUNTIME_BIN_LOG_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace runtime::bin {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn" (or "warning"), "error"; kInvalidArgument
// otherwise.
absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text);

class Logger {
 public:
  // Lines go to stderr.
  explicit Logger(LogLevel level) : level_(level) {}
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Appends to `path` from now on (created if missing).
  absl::Status OpenFile(const std::string& path);
  void Log(LogLevel level, std::string_view component,
           std::string_view message);
  void Info(std::string_view component, std::string_view message) {
    Log(LogLevel::kInfo, component, message);
  }
  void Error(std::string_view component, std::string_view message) {
    Log(LogLevel::kError, component, message);
  }

 private:
  LogLevel level_;
  int fd_ = 2;
};

}  // namespace runtime::bin

#endif  // RUNTIME_BIN_LOG_H_
