// tikv-server's status pages (Ref: TiKV components/server/src/
// status_server): what HttpServer answers on --status-addr.
//   /metrics      Prometheus text: the node's counters and histograms
//   /status       {"store_id", "address", "status_address", "region_count",
//                  "leader_count"}
//   /config       the flags the server runs with
//   /region/{id}  {"id", "start_key", "end_key", "epoch": {"conf_ver",
//                  "version"}, "peers": [{"id", "store_id", "role"}],
//                  "is_leader"}; 404 for a region without a peer here
// Anything else is 404. Keys are JSON strings with one character per byte
// (ctl's JsonString).
#ifndef RUNTIME_BIN_STATUS_PAGES_H_
#define RUNTIME_BIN_STATUS_PAGES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "rpc/http1/http_server.h"
#include "store/server/node.h"

namespace runtime::bin {

struct StatusInfo {
  uint64_t store_id = 0;
  std::string address;
  std::string status_address;
  // ("flag", value) pairs for /config.
  std::vector<std::pair<std::string, std::string>> config;
};

rpc::http1::HttpResponse ServeStatusPage(
    store::server::Node& node, const StatusInfo& info,
    const rpc::http1::HttpRequest& request);

}  // namespace runtime::bin

#endif  // RUNTIME_BIN_STATUS_PAGES_H_
