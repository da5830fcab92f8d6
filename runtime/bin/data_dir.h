// A server's data directory: created if missing, and held by one process at
// a time through an exclusive flock(2) on `<dir>/LOCK` (the file keeps the
// holder's pid for the error message). The lock goes with the process, so
// a kill -9 leaves nothing to clean up.
#ifndef RUNTIME_BIN_DATA_DIR_H_
#define RUNTIME_BIN_DATA_DIR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace runtime::bin {

class DataDirLock {
 public:
  // kFailedPrecondition "data dir X is in use by another process (pid N)"
  // when another process holds it; kInvalidArgument when the directory
  // cannot be created or the lock file opened.
  static absl::StatusOr<std::unique_ptr<DataDirLock>> Acquire(
      const std::string& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace runtime::bin

#endif  // RUNTIME_BIN_DATA_DIR_H_
