#include "runtime/bin/address.h"

#include <arpa/inet.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "client/pd/pd_client.h"

namespace runtime::bin {
namespace {

absl::Status Bad(std::string_view flag, std::string_view text,
                 std::string_view why) {
  return absl::InvalidArgumentError("bad value \"" + std::string(text) +
                                    "\" for --" + std::string(flag) + ": " +
                                    std::string(why));
}

// Why `text` is not a good host:port; empty when it is.
std::string WhyNotHostPort(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return "want host:port";
  const std::string host(text.substr(0, colon));
  in_addr ip{};
  if (host != "localhost" && inet_pton(AF_INET, host.c_str(), &ip) != 1) {
    return "the host must be an IPv4 address or localhost";
  }
  uint32_t port = 0;
  if (!absl::SimpleAtoi(std::string(text.substr(colon + 1)), &port) ||
      port == 0 || port > 65535) {
    return "the port must be a number in 1..65535";
  }
  return "";
}

}  // namespace

absl::StatusOr<std::string> ParseHostPort(std::string_view flag,
                                          std::string_view text) {
  if (std::string why = WhyNotHostPort(text); !why.empty()) {
    return Bad(flag, text, why);
  }
  return std::string(text);
}

absl::StatusOr<std::string> ParseUrl(std::string_view flag,
                                     std::string_view text) {
  // client/pd's parser is the one clients use for these URLs.
  absl::StatusOr<std::string> host_port = client::pd::ParseMemberUrl(text);
  if (!host_port.ok()) return Bad(flag, text, "want http://host:port");
  if (std::string why = WhyNotHostPort(*host_port); !why.empty()) {
    return Bad(flag, text, why);
  }
  return host_port;
}

absl::StatusOr<std::vector<std::string>> ParseUrls(std::string_view flag,
                                                   std::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view url :
       absl::StrSplit(std::string(text), ',', absl::SkipEmpty())) {
    absl::StatusOr<std::string> parsed =
        ParseUrl(flag, std::string_view(url.data(), url.size()));
    if (!parsed.ok()) return parsed.status();
    out.push_back(*std::move(parsed));
  }
  if (out.empty()) return Bad(flag, text, "want at least one URL");
  return out;
}

}  // namespace runtime::bin
