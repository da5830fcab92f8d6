#include "runtime/bin/status_pages.h"

#include "runtime/bin/ctl_output.h"

namespace runtime::bin {
namespace {

using rpc::http1::HttpResponse;

HttpResponse Json(std::string body) {
  return HttpResponse{.status = 200,
                      .content_type = "application/json",
                      .body = std::move(body) + "\n"};
}

HttpResponse NotFound(const std::string& what) {
  return HttpResponse{.status = 404, .body = what + "\n"};
}

HttpResponse StatusJson(store::server::Node& node, const StatusInfo& info) {
  uint64_t leaders = 0;
  const std::vector<core::region::Region> regions = node.store().Regions();
  for (const core::region::Region& region : regions) {
    const auto* peer = node.store().FindPeer(region.id);
    if (peer != nullptr && peer->is_leader()) ++leaders;
  }
  return Json("{\"store_id\":" + std::to_string(info.store_id) +
              ",\"address\":" + JsonString(info.address) +
              ",\"status_address\":" + JsonString(info.status_address) +
              ",\"region_count\":" + std::to_string(regions.size()) +
              ",\"leader_count\":" + std::to_string(leaders) + "}");
}

HttpResponse ConfigJson(const StatusInfo& info) {
  std::string body = "{";
  for (const auto& [flag, value] : info.config) {
    body += (body.size() == 1 ? "" : ",") + JsonString(flag) + ":" +
            JsonString(value);
  }
  return Json(body + "}");
}

HttpResponse RegionJson(store::server::Node& node, const std::string& id_text) {
  uint64_t id = 0;
  for (char c : id_text) {
    if (c < '0' || c > '9' || id > UINT64_MAX / 10 - 9) {
      return NotFound("bad region id " + id_text);
    }
    id = id * 10 + static_cast<uint64_t>(c - '0');
  }
  const auto* peer = id_text.empty() ? nullptr : node.store().FindPeer(id);
  if (peer == nullptr) return NotFound("region " + id_text + " is not here");
  const core::region::Region region = peer->region();
  std::string peers;
  for (const core::region::Peer& p : region.peers) {
    peers +=
        std::string(peers.empty() ? "" : ",") +
        "{\"id\":" + std::to_string(p.id) +
        ",\"store_id\":" + std::to_string(p.store_id) + ",\"role\":\"" +
        (p.role == core::region::PeerRole::kLearner ? "Learner" : "Voter") +
        "\"}";
  }
  return Json(
      "{\"id\":" + std::to_string(region.id) +
      ",\"start_key\":" + JsonString(region.start_key) +
      ",\"end_key\":" + JsonString(region.end_key) +
      ",\"epoch\":{\"conf_ver\":" + std::to_string(region.epoch.conf_ver) +
      ",\"version\":" + std::to_string(region.epoch.version) + "},\"peers\":[" +
      peers + "],\"is_leader\":" + (peer->is_leader() ? "true" : "false") +
      "}");
}

}  // namespace

HttpResponse ServeStatusPage(store::server::Node& node, const StatusInfo& info,
                             const rpc::http1::HttpRequest& request) {
  const std::string& path = request.path;
  if (path == "/metrics") {
    return HttpResponse{.status = 200,
                        .content_type = "text/plain; version=0.0.4",
                        .body = node.metrics().PrometheusText()};
  }
  if (path == "/status") return StatusJson(node, info);
  if (path == "/config") return ConfigJson(info);
  constexpr std::string_view kRegion = "/region/";
  if (path.rfind(kRegion, 0) == 0) {
    return RegionJson(node, path.substr(kRegion.size()));
  }
  return NotFound("no page " + path +
                  " (try /metrics, /status, /config, /region/ID)");
}

}  // namespace runtime::bin
