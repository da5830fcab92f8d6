#include "runtime/bin/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace runtime::bin {
namespace {

// mkdir -p.
absl::Status MakeDirs(const std::string& dir) {
  for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    const std::string prefix = dir.substr(0, slash);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::InvalidArgumentError("cannot create --data-dir " + dir +
                                        ": " + prefix + ": " +
                                        std::strerror(errno));
    }
    if (slash == std::string::npos) return absl::OkStatus();
  }
}

std::string ReadHolder(int fd) {
  char pid[32] = {};
  const ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
  std::string text(pid, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text.empty() ? "unknown" : text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(
    const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("--data-dir is empty");
  if (absl::Status made = MakeDirs(dir); !made.ok()) return made;
  const std::string path = dir + "/LOCK";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InvalidArgumentError("cannot open " + path + ": " +
                                      std::strerror(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = ReadHolder(fd);
    close(fd);
    return absl::FailedPreconditionError("data dir " + dir +
                                         " is in use by another process (pid " +
                                         holder + "; lock file " + path + ")");
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) !=
                                   static_cast<ssize_t>(pid.size())) {
    close(fd);
    return absl::InvalidArgumentError("cannot write " + path + ": " +
                                      std::strerror(errno));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { close(fd_); }

}  // namespace runtime::bin
