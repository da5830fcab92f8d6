// Addresses on the binaries' command lines: PD's URLs ("http://host:port")
// and TiKV's plain "host:port". Hosts are numeric IPv4 or "localhost" (the
// runtime's TCP does no name lookups); ports 1..65535 (port 0 would be
// advertised to clients as is). Errors are kInvalidArgument naming the flag
// and the value.
#ifndef RUNTIME_BIN_ADDRESS_H_
#define RUNTIME_BIN_ADDRESS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace runtime::bin {

// "host:port", checked.
absl::StatusOr<std::string> ParseHostPort(std::string_view flag,
                                          std::string_view text);
// "http://host:port" (a bare "host:port" is taken too) as "host:port".
absl::StatusOr<std::string> ParseUrl(std::string_view flag,
                                     std::string_view text);
// A comma-separated list of URLs, each as "host:port"; at least one.
absl::StatusOr<std::vector<std::string>> ParseUrls(std::string_view flag,
                                                   std::string_view text);

}  // namespace runtime::bin

#endif  // RUNTIME_BIN_ADDRESS_H_
