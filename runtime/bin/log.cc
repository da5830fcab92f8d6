#include "runtime/bin/log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace runtime::bin {
namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

std::string NowText() {
  timeval now{};
  gettimeofday(&now, nullptr);
  tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char text[64];
  const size_t n = strftime(text, sizeof(text), "%Y/%m/%d %H:%M:%S", &utc);
  snprintf(text + n, sizeof(text) - n, ".%03d +00:00",
           static_cast<int>(now.tv_usec / 1000));
  return text;
}

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn" || text == "warning") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      "bad value \"" + std::string(text) +
      "\" for --log-level (want debug, info, warn or error)");
}

Logger::~Logger() {
  if (fd_ != 2) close(fd_);
}

absl::Status Logger::OpenFile(const std::string& path) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InvalidArgumentError("cannot open --log-file " + path + ": " +
                                      std::strerror(errno));
  }
  if (fd_ != 2) close(fd_);
  fd_ = fd;
  return absl::OkStatus();
}

void Logger::Log(LogLevel level, std::string_view component,
                 std::string_view message) {
  if (level < level_) return;
  std::string line = "[" + NowText() + "] [" + LevelName(level) + "] [" +
                     std::string(component) + "] " + std::string(message) +
                     "\n";
  // One write per line, so lines from threads never interleave.
  (void)!write(fd_, line.data(), line.size());
}

}  // namespace runtime::bin
