#include "jepsen/history/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/base/bytes.h"
#include "jepsen/history/cat.h"

namespace jepsen::history {
namespace {

std::string QuotePath(const std::string& path) {
  return core::base::QuoteExcerpt(path, core::base::kPathExcerptBytes);
}

// "<what> '<path>': <strerror> (errno N)", for the errno set just now.
std::string ErrnoMessage(std::string_view what, const std::string& path,
                         int error) {
  return Cat(what, " ", QuotePath(path), ": ", std::strerror(error), " (errno ",
             error, ")");
}

}  // namespace

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    const std::string message = ErrnoMessage("cannot open", path, error);
    return error == ENOENT ? absl::NotFoundError(message)
                           : absl::InvalidArgumentError(message);
  }
  std::string contents;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      contents.append(buffer, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      const int error = errno;
      close(fd);
      return absl::InvalidArgumentError(
          ErrnoMessage("cannot read", path, error));
    }
  }
  close(fd);
  return contents;
}

absl::StatusOr<OutputFile> OutputFile::Open(const std::string& path) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        ErrnoMessage("cannot create", path, errno));
  }
  return OutputFile(path, fd);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) close(fd_);
}

absl::Status OutputFile::WriteAndClose(std::string_view contents) {
  if (fd_ < 0) return absl::FailedPreconditionError("output file closed");
  while (!contents.empty()) {
    const ssize_t n = write(fd_, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      close(std::exchange(fd_, -1));
      return absl::InvalidArgumentError(
          ErrnoMessage("cannot write", path_, error));
    }
    contents.remove_prefix(static_cast<size_t>(n));
  }
  if (close(std::exchange(fd_, -1)) != 0) {
    return absl::InvalidArgumentError(
        ErrnoMessage("cannot write", path_, errno));
  }
  return absl::OkStatus();
}

}  // namespace jepsen::history
