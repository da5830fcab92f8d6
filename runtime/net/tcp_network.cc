#include "runtime/net/tcp_network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/base/check.h"

namespace runtime {

using core::base::Duration;
using core::base::Instant;
using core::env::Address;

namespace {

absl::StatusOr<sockaddr_in> ParseAddress(const Address& address) {
  const size_t colon = address.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad address \"", address, "\", want host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty()) host = "0.0.0.0";
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad host in \"", address, "\": want an IPv4 address or localhost"));
  }
  return sa;
}

Address FormatAddress(const sockaddr_in& sa) {
  char host[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
  return absl::StrCat(host, ":", ntohs(sa.sin_port));
}

Address LocalAddress(int fd) {
  sockaddr_in sa{};
  socklen_t length = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &length);
  return FormatAddress(sa);
}

Address PeerAddress(int fd) {
  sockaddr_in sa{};
  socklen_t length = sizeof(sa);
  getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &length);
  return FormatAddress(sa);
}

absl::Status ErrnoStatus(const char* what, int error) {
  const std::string message = absl::StrCat(what, ": ", strerror(error));
  switch (error) {
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      return absl::ResourceExhaustedError(message);
    case EADDRINUSE:
      return absl::AlreadyExistsError(message);
    case EADDRNOTAVAIL:
    case EACCES:
      return absl::InvalidArgumentError(message);
    default:
      return absl::UnavailableError(message);
  }
}

void SetNoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// One socket's descriptor and epoll watch, shared by its handle and by every
// call parked on it, so a call woken by Close still finds them.
struct Socket {
  Socket(EpollLoop& loop, int fd) : fd(fd), watch(loop, fd) {}
  ~Socket() { Close(); }
  void Close() {
    if (fd < 0) return;
    watch.Detach();  // Wakes the parked calls: they see fd < 0.
    close(fd);
    fd = -1;
  }
  bool closed() const { return fd < 0; }

  int fd;
  FdWatch watch;
};

absl::Status Closed() { return absl::CancelledError("socket closed"); }

class TcpConnection final : public core::env::Connection {
 public:
  TcpConnection(std::shared_ptr<Socket> socket, Address peer)
      : socket_(std::move(socket)), peer_(std::move(peer)) {}
  ~TcpConnection() override { Close(); }

  const Address& peer_address() const override { return peer_; }

  absl::StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    if (capacity == 0) return 0;
    std::shared_ptr<Socket> socket = socket_;  // Outlives a Close meanwhile.
    while (true) {
      if (socket->closed()) return Closed();
      const ssize_t n = recv(socket->fd, buffer, capacity, 0);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        socket->watch.WaitReadable(std::nullopt);
        continue;
      }
      return absl::UnavailableError(absl::StrCat("read: ", strerror(errno)));
    }
  }

  absl::Status Write(std::string_view bytes) override {
    std::shared_ptr<Socket> socket = socket_;
    while (true) {
      if (socket->closed()) return Closed();
      if (bytes.empty()) return absl::OkStatus();
      const ssize_t n =
          send(socket->fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n >= 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        socket->watch.WaitWritable(std::nullopt);
        continue;
      }
      return absl::UnavailableError(absl::StrCat("write: ", strerror(errno)));
    }
  }

  void Close() override { socket_->Close(); }

 private:
  std::shared_ptr<Socket> socket_;
  Address peer_;
};

class TcpListener final : public core::env::Listener {
 public:
  TcpListener(EpollLoop& loop, TcpNetworkStats& stats,
              std::shared_ptr<Socket> socket)
      : loop_(loop),
        stats_(stats),
        socket_(std::move(socket)),
        local_(LocalAddress(socket_->fd)) {}
  ~TcpListener() override { Close(); }

  const Address& local_address() const override { return local_; }

  absl::StatusOr<std::unique_ptr<core::env::Connection>> Accept() override {
    std::shared_ptr<Socket> socket = socket_;
    while (true) {
      if (socket->closed()) return Closed();
      const int fd =
          accept4(socket->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        SetNoDelay(fd);
        ++stats_.connections_accepted;
        return std::make_unique<TcpConnection>(
            std::make_shared<Socket>(loop_, fd), PeerAddress(fd));
      }
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        socket->watch.WaitReadable(std::nullopt);
        continue;
      }
      return ErrnoStatus("accept", errno);
    }
  }

  void Close() override { socket_->Close(); }

 private:
  EpollLoop& loop_;
  TcpNetworkStats& stats_;
  std::shared_ptr<Socket> socket_;
  Address local_;
};

// Waits for a non-blocking connect on `socket` to finish by `deadline`.
absl::Status FinishConnect(Socket& socket, Instant deadline,
                           const Address& address) {
  while (true) {
    if (socket.closed()) return Closed();
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0 && error != EINPROGRESS) {
      return absl::UnavailableError(
          absl::StrCat("connect to ", address, ": ", strerror(error)));
    }
    // Writable with no error: connected (getpeername succeeds only then).
    sockaddr_in peer{};
    socklen_t peer_length = sizeof(peer);
    if (error == 0 && getpeername(socket.fd, reinterpret_cast<sockaddr*>(&peer),
                                  &peer_length) == 0) {
      return absl::OkStatus();
    }
    if (!socket.watch.WaitWritable(deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("connect to ", address, ": no answer in time"));
    }
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<core::env::DatagramSocket>> TcpNetwork::Bind(
    const Address& address) {
  return absl::UnimplementedError(
      "datagram sockets are not implemented on the runtime: " + address);
}

absl::StatusOr<std::unique_ptr<core::env::Listener>> TcpNetwork::Listen(
    const Address& address) {
  absl::StatusOr<sockaddr_in> sa = ParseAddress(address);
  if (!sa.ok()) return sa.status();
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("socket", errno);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&*sa), sizeof(*sa)) != 0 ||
      listen(fd, 1024) != 0) {
    const int error = errno;
    close(fd);
    return ErrnoStatus(absl::StrCat("listen on ", address).c_str(), error);
  }
  return std::make_unique<TcpListener>(loop_, stats_,
                                       std::make_shared<Socket>(loop_, fd));
}

absl::StatusOr<std::unique_ptr<core::env::Connection>> TcpNetwork::Connect(
    const Address& address, Duration timeout) {
  const Instant deadline = loop_.clock().NowMonotonic() + timeout;
  absl::StatusOr<sockaddr_in> sa = ParseAddress(address);
  if (!sa.ok()) return sa.status();
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("socket", errno);
  SetNoDelay(fd);
  auto socket = std::make_shared<Socket>(loop_, fd);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&*sa), sizeof(*sa)) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      return absl::UnavailableError(
          absl::StrCat("connect to ", address, ": ", strerror(errno)));
    }
    if (absl::Status s = FinishConnect(*socket, deadline, address); !s.ok()) {
      return s;
    }
  }
  ++stats_.connections_opened;
  Address peer = PeerAddress(fd);
  return std::make_unique<TcpConnection>(std::move(socket), std::move(peer));
}

}  // namespace runtime
