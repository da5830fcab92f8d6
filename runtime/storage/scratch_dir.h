// ScratchDir: a fresh, empty directory for a test or a benchmark that needs a
// real file system (a RocksDB database), removed with everything in it when
// the ScratchDir goes. It lives under $TEST_TMPDIR (set by Bazel for tests)
// or else the system temp directory, and its name carries the process id so
// that concurrent runs of one benchmark never share a database.
#ifndef RUNTIME_STORAGE_SCRATCH_DIR_H_
#define RUNTIME_STORAGE_SCRATCH_DIR_H_

#include <string>
#include <string_view>

namespace runtime::storage {

class ScratchDir {
 public:
  // `name` tells apart the directories of one process.
  explicit ScratchDir(std::string_view name);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace runtime::storage

#endif  // RUNTIME_STORAGE_SCRATCH_DIR_H_
