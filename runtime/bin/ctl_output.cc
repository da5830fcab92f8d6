#include "runtime/bin/ctl_output.h"

#include <cstdio>
#include <ctime>

namespace runtime::bin {
namespace {

std::string Hex2(unsigned char c) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "%02x", c);
  return buffer;
}

const char* StateName(metapb::StoreState state) {
  switch (state) {
    case metapb::Up:
      return "Up";
    case metapb::Offline:
      return "Offline";
    case metapb::Tombstone:
      return "Tombstone";
    default:
      return "Unknown";
  }
}

const char* RoleName(metapb::PeerRole role) {
  return role == metapb::Learner ? "Learner" : "Voter";
}

// "2026-01-02T15:04:05.123Z" for milliseconds since the Unix epoch.
std::string UtcTime(uint64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buffer;
}

}  // namespace

std::string EscapeBytes(std::string_view bytes) {
  std::string out;
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      out += "\\x" + Hex2(c);
    }
  }
  return out;
}

std::string JsonString(std::string_view bytes) {
  std::string out = "\"";
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      out += "\\u00" + Hex2(c);
    }
  }
  return out + "\"";
}

void Output::Stores(const std::vector<metapb::Store>& stores) {
  if (!json_) {
    for (const metapb::Store& s : stores) {
      out_ << "store " << s.id() << " " << StateName(s.state()) << " address "
           << s.address() << " raft " << s.peer_address() << " status "
           << (s.status_address().empty() ? "-" : s.status_address()) << "\n";
    }
    return;
  }
  out_ << "{\"count\":" << stores.size() << ",\"stores\":[";
  for (size_t i = 0; i < stores.size(); ++i) {
    const metapb::Store& s = stores[i];
    out_ << (i == 0 ? "" : ",") << "{\"id\":" << s.id()
         << ",\"address\":" << JsonString(s.address())
         << ",\"peer_address\":" << JsonString(s.peer_address())
         << ",\"status_address\":" << JsonString(s.status_address())
         << ",\"state\":\"" << StateName(s.state()) << "\"}";
  }
  out_ << "]}\n";
}

std::string Output::RegionJson(const metapb::Region& r,
                               const metapb::Peer& leader) const {
  std::string out =
      "{\"id\":" + std::to_string(r.id()) +
      ",\"start_key\":" + JsonString(r.start_key()) +
      ",\"end_key\":" + JsonString(r.end_key()) + ",\"epoch\":{\"conf_ver\":" +
      std::to_string(r.region_epoch().conf_ver()) +
      ",\"version\":" + std::to_string(r.region_epoch().version()) +
      "},\"peers\":[";
  for (int i = 0; i < r.peers_size(); ++i) {
    const metapb::Peer& p = r.peers(i);
    out += std::string(i == 0 ? "" : ",") +
           "{\"id\":" + std::to_string(p.id()) +
           ",\"store_id\":" + std::to_string(p.store_id()) + ",\"role\":\"" +
           RoleName(p.role()) + "\"}";
  }
  return out + "],\"leader\":{\"id\":" + std::to_string(leader.id()) +
         ",\"store_id\":" + std::to_string(leader.store_id()) + "}}";
}

std::string Output::RegionText(const metapb::Region& r,
                               const metapb::Peer& leader) const {
  std::string out = "region " + std::to_string(r.id()) + " [\"" +
                    EscapeBytes(r.start_key()) + "\", \"" +
                    EscapeBytes(r.end_key()) + "\") epoch " +
                    std::to_string(r.region_epoch().conf_ver()) + "/" +
                    std::to_string(r.region_epoch().version()) + " peers";
  for (const metapb::Peer& p : r.peers()) {
    out += " " + std::to_string(p.id()) + "@store" +
           std::to_string(p.store_id()) +
           (p.role() == metapb::Learner ? "(learner)" : "");
  }
  return out + " leader " +
         (leader.id() == 0 ? "unknown"
                           : std::to_string(leader.id()) + "@store" +
                                 std::to_string(leader.store_id()));
}

void Output::Regions(const pdpb::ScanRegionsResponse& regions) {
  if (json_)
    out_ << "{\"count\":" << regions.regions_size() << ",\"regions\":[";
  for (int i = 0; i < regions.regions_size(); ++i) {
    const pdpb::Region& r = regions.regions(i);
    if (json_) {
      out_ << (i == 0 ? "" : ",") << RegionJson(r.region(), r.leader());
    } else {
      out_ << RegionText(r.region(), r.leader()) << "\n";
    }
  }
  if (json_) out_ << "]}\n";
}

void Output::Region(const pdpb::GetRegionResponse& region) {
  out_ << (json_ ? RegionJson(region.region(), region.leader())
                 : RegionText(region.region(), region.leader()))
       << "\n";
}

void Output::Pairs(const std::vector<client::rawkv::KvPair>& pairs) {
  if (!json_) {
    for (const auto& pair : pairs) {
      out_ << EscapeBytes(pair.key) << "\t" << EscapeBytes(pair.value) << "\n";
    }
    out_ << "(" << pairs.size() << " keys)\n";
    return;
  }
  out_ << "{\"count\":" << pairs.size() << ",\"pairs\":[";
  for (size_t i = 0; i < pairs.size(); ++i) {
    out_ << (i == 0 ? "" : ",") << "{\"key\":" << JsonString(pairs[i].key)
         << ",\"value\":" << JsonString(pairs[i].value) << "}";
  }
  out_ << "]}\n";
}

void Output::Value(const std::string& key,
                   const std::optional<std::string>& value) {
  if (json_) {
    out_ << "{\"key\":" << JsonString(key)
         << ",\"found\":" << (value.has_value() ? "true" : "false");
    if (value.has_value()) out_ << ",\"value\":" << JsonString(*value);
    out_ << "}\n";
  } else if (value.has_value()) {
    out_ << EscapeBytes(*value) << "\n";
  }
}

void Output::Done(const std::string& what, const std::string& key) {
  if (json_) {
    out_ << "{\"ok\":true,\"op\":\"" << what << "\",\"key\":" << JsonString(key)
         << "}\n";
  } else {
    out_ << "ok\n";
  }
}

void Output::Timestamp(core::base::TimeStamp ts) {
  if (json_) {
    out_ << "{\"ts\":" << ts.value() << ",\"physical_ms\":" << ts.physical_ms()
         << ",\"logical\":" << ts.logical() << ",\"time\":\""
         << UtcTime(ts.physical_ms()) << "\"}\n";
  } else {
    out_ << ts.value() << ": physical " << ts.physical_ms() << " ms ("
         << UtcTime(ts.physical_ms()) << "), logical " << ts.logical() << "\n";
  }
}

void Output::SafePoint(uint64_t safe_point) {
  if (json_) {
    out_ << "{\"safe_point\":" << safe_point << "}\n";
  } else {
    out_ << "gc safe point " << safe_point << "\n";
  }
}

}  // namespace runtime::bin
