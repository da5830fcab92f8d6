// Whole files in and out, for the command-line tools (the simulator's
// --history_out and --schedule, check's history and --html): every failure
// is a Status naming the path and the errno, never a silent success.
#ifndef JEPSEN_HISTORY_FILES_H_
#define JEPSEN_HISTORY_FILES_H_

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace jepsen::history {

// The whole contents of `path`. NotFound when it does not exist, otherwise
// InvalidArgument (a directory: "Is a directory").
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// An output file opened (created or truncated) before the work that fills
// it, so that a path that cannot be written is refused before a long run,
// not found out after it. Closing without WriteAndClose leaves it empty.
class OutputFile {
 public:
  static absl::StatusOr<OutputFile> Open(const std::string& path);

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  // Writes all of `contents`, then closes the file. A short write, a full
  // disk or a failed close is an error naming the path and the errno.
  absl::Status WriteAndClose(std::string_view contents);

  const std::string& path() const { return path_; }

 private:
  OutputFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::string path_;
  int fd_ = -1;
};

}  // namespace jepsen::history

#endif  // JEPSEN_HISTORY_FILES_H_
