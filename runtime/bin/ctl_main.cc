// ctl: one command line for a running cluster (Ref: tikv-ctl, pd-ctl):
// PD's stores, regions, safe point and timestamps over client/pd, raw
// key-values over client/rawkv, all on the runtime env. Human output by
// default, one JSON document with --json. See runtime/bin/README.md.
//
//   ctl [--pd HOST:PORT] [--json] COMMAND ARGS...
//
// Exit status: 0 done, 1 the cluster answered with an error (or not at
// all), 2 bad usage (the message names what was wrong).
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/locate/region_cache.h"
#include "client/locate/region_source.h"
#include "client/pd/pd_client.h"
#include "client/rawkv/raw_client.h"
#include "core/base/time.h"
#include "core/base/timestamp.h"
#include "runtime/bin/address.h"
#include "runtime/bin/ctl_output.h"
#include "runtime/bin/flags.h"
#include "runtime/env/runtime_env.h"

namespace runtime::bin {
namespace {

using core::base::Duration;

constexpr char kUsage[] =
    R"(usage: ctl [--pd HOST:PORT] [--json] COMMAND ARGS...
  store list                      the stores PD knows
  region list [LIMIT]             regions in key order (default 100)
  region show ID                  one region by id
  region key KEY                  the region holding KEY
  raw get KEY | raw put KEY VALUE [TTL_S] | raw delete KEY
  raw scan START [END] [LIMIT]    keys in [START, END) (default limit 100)
  tso decode TS                   a timestamp's physical time and logical part
  tso now                         a fresh timestamp from PD
  safepoint                       the GC safe point
  operator ..., txn ..., mvcc ... not supported yet
--pd defaults to 127.0.0.1:2379; --json prints one JSON document.
)";

struct Invocation {
  std::string pd = "127.0.0.1:2379";
  bool json = false;
  std::vector<std::string> args;
};

// Options first, then the command and its arguments.
absl::StatusOr<Invocation> ParseArgs(int argc, char** argv) {
  Invocation inv;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json" || arg == "-json") {
      inv.json = true;
    } else if (arg == "--pd" || arg == "-pd" || arg == "-u") {
      if (i + 1 >= argc)
        return absl::InvalidArgumentError("--pd needs a value");
      inv.pd = argv[++i];
    } else if (arg.rfind("--pd=", 0) == 0) {
      inv.pd = arg.substr(5);
    } else if (arg.rfind("-", 0) == 0 && arg != "-") {
      return absl::InvalidArgumentError("unknown flag " + arg);
    } else {
      break;
    }
  }
  for (; i < argc; ++i) inv.args.push_back(argv[i]);
  if (inv.args.empty()) return absl::InvalidArgumentError("no command given");
  auto pd = ParseUrl("--pd", inv.pd);
  if (!pd.ok()) return pd.status();
  inv.pd = *pd;
  return inv;
}

// A command's failure: usage (exit 2) or the cluster's (exit 1).
struct Failure {
  int exit_status;
  std::string message;
};

Failure Usage(const std::string& message) { return {kExitUsage, message}; }
Failure FromStatus(const absl::Status& status) {
  return {1, status.ToString()};
}

absl::StatusOr<uint64_t> ParseU64(const std::string& what,
                                  const std::string& text) {
  uint64_t value = 0;
  if (text.empty() || text.size() > 20) {
    return absl::InvalidArgumentError("bad " + what + " \"" + text + "\"");
  }
  for (char c : text) {
    if (c < '0' || c > '9' || value > (UINT64_MAX - (c - '0')) / 10) {
      return absl::InvalidArgumentError("bad " + what + " \"" + text +
                                        "\": want a non-negative integer");
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

// What a command needs: PD, and the raw client over it.
class Session {
 public:
  Session(RuntimeEnv& runtime, const std::string& pd_address)
      : env_(runtime.env()),
        pd_(env_.executor, env_.clock, env_.network,
            client::pd::PdClientOptions{.members = {pd_address}}),
        source_(pd_),
        cache_(source_),
        transport_(env_.executor, env_.clock, env_.network),
        raw_(env_.executor, env_.random, cache_, transport_) {}

  client::pd::PdClient& pd() { return pd_; }
  client::rawkv::RawClient& raw() { return raw_; }
  core::base::Instant Deadline() {
    return env_.clock.NowMonotonic() + Duration::Seconds(10);
  }

 private:
  core::env::Env env_;
  client::pd::PdClient pd_;
  client::locate::PdRegionSource source_;
  client::locate::RegionCache cache_;
  client::locate::RpcStoreTransport transport_;
  client::rawkv::RawClient raw_;
};

using Args = std::vector<std::string>;
using Result = std::optional<Failure>;  // nullopt: done

Result StoreCommand(Session& s, const Args& a, Output& out) {
  if (a.size() != 2 || a[1] != "list") return Usage("usage: ctl store list");
  auto stores = s.pd().GetAllStores(s.Deadline());
  if (!stores.ok()) return FromStatus(stores.status());
  out.Stores(*stores);
  return std::nullopt;
}

Result RegionList(Session& s, const Args& a, Output& out) {
  uint64_t limit = 100;
  if (a.size() > 3) return Usage("usage: ctl region list [LIMIT]");
  if (a.size() == 3) {
    auto parsed = ParseU64("limit", a[2]);
    if (!parsed.ok() || *parsed == 0 || *parsed > 100000) {
      return Usage("bad limit \"" + a[2] + "\": want 1..100000");
    }
    limit = *parsed;
  }
  auto regions =
      s.pd().ScanRegions("", "", static_cast<int32_t>(limit), s.Deadline());
  if (!regions.ok()) return FromStatus(regions.status());
  out.Regions(*regions);
  return std::nullopt;
}

Result RegionCommand(Session& s, const Args& a, Output& out) {
  const std::string sub = a.size() > 1 ? a[1] : "";
  if (sub == "list") return RegionList(s, a, out);
  if ((sub != "show" && sub != "key") || a.size() != 3) {
    return Usage("usage: ctl region list [LIMIT] | show ID | key KEY");
  }
  absl::StatusOr<pdpb::GetRegionResponse> region;
  if (sub == "show") {
    auto id = ParseU64("region id", a[2]);
    if (!id.ok()) return Usage(std::string(id.status().message()));
    region = s.pd().GetRegionByID(*id, s.Deadline());
  } else {
    region = s.pd().GetRegion(a[2], s.Deadline());
  }
  if (!region.ok()) return FromStatus(region.status());
  if (!region->has_region()) return Failure{1, "no such region"};
  out.Region(*region);
  return std::nullopt;
}

Result RawScan(Session& s, const Args& a, Output& out) {
  if (a.size() < 3 || a.size() > 5) {
    return Usage("usage: ctl raw scan START [END] [LIMIT]");
  }
  uint64_t limit = 100;
  if (a.size() == 5) {
    auto parsed = ParseU64("limit", a[4]);
    if (!parsed.ok() || *parsed == 0 || *parsed > 10240) {
      return Usage("bad limit \"" + a[4] + "\": want 1..10240");
    }
    limit = *parsed;
  }
  auto pairs = s.raw().Scan(a[2], a.size() >= 4 ? a[3] : "",
                            static_cast<uint32_t>(limit));
  if (!pairs.ok()) return FromStatus(pairs.status());
  out.Pairs(*pairs);
  return std::nullopt;
}

Result RawCommand(Session& s, const Args& a, Output& out) {
  const std::string sub = a.size() > 1 ? a[1] : "";
  if (sub == "get" && a.size() == 3) {
    auto value = s.raw().Get(a[2]);
    if (!value.ok()) return FromStatus(value.status());
    out.Value(a[2], *value);
    return value->has_value() ? Result() : Result(Failure{1, "not found"});
  }
  if (sub == "put" && (a.size() == 4 || a.size() == 5)) {
    uint64_t ttl_s = 0;
    if (a.size() == 5) {
      auto ttl = ParseU64("ttl", a[4]);
      if (!ttl.ok()) return Usage(std::string(ttl.status().message()));
      ttl_s = *ttl;
    }
    absl::Status put = s.raw().Put(a[2], a[3], ttl_s);
    if (!put.ok()) return FromStatus(put);
    out.Done("put", a[2]);
    return std::nullopt;
  }
  if (sub == "delete" && a.size() == 3) {
    absl::Status deleted = s.raw().Delete(a[2]);
    if (!deleted.ok()) return FromStatus(deleted);
    out.Done("delete", a[2]);
    return std::nullopt;
  }
  if (sub == "scan") return RawScan(s, a, out);
  return Usage(
      "usage: ctl raw get KEY | put KEY VALUE [TTL_S] | delete KEY | "
      "scan START [END] [LIMIT]");
}

Result TsoCommand(Session& s, const Args& a, Output& out) {
  if (a.size() == 3 && a[1] == "decode") {
    auto ts = ParseU64("timestamp", a[2]);
    if (!ts.ok()) return Usage(std::string(ts.status().message()));
    out.Timestamp(core::base::TimeStamp(*ts));
    return std::nullopt;
  }
  if (a.size() == 2 && a[1] == "now") {
    auto ts = s.pd().GetTimestamp(s.Deadline());
    if (!ts.ok()) return FromStatus(ts.status());
    out.Timestamp(*ts);
    return std::nullopt;
  }
  return Usage("usage: ctl tso decode TS | tso now");
}

Result SafePointCommand(Session& s, const Args& a, Output& out) {
  if (a.size() != 1) return Usage("usage: ctl safepoint");
  auto safe_point = s.pd().GetGCSafePoint(s.Deadline());
  if (!safe_point.ok()) return FromStatus(safe_point.status());
  out.SafePoint(*safe_point);
  return std::nullopt;
}

using Command = std::function<Result(Session&, const Args&, Output&)>;

std::optional<Command> Find(const std::string& name) {
  if (name == "store") return Command(StoreCommand);
  if (name == "region") return Command(RegionCommand);
  if (name == "raw") return Command(RawCommand);
  if (name == "tso") return Command(TsoCommand);
  if (name == "safepoint") return Command(SafePointCommand);
  return std::nullopt;
}

int Fail(const Failure& failure) {
  std::cerr << "ctl: " << failure.message << "\n";
  return failure.exit_status;
}

int Run(const Invocation& inv) {
  const std::string& name = inv.args[0];
  if (name == "operator" || name == "txn" || name == "mvcc") {
    return Fail({1, name + " is not supported yet"});
  }
  std::optional<Command> command = Find(name);
  if (!command.has_value()) return Fail(Usage("unknown command " + name));
  auto runtime = RuntimeEnv::Create({});
  if (!runtime.ok()) return Fail(FromStatus(runtime.status()));
  EpollLoop& loop = (*runtime)->loop();
  Result result;
  std::unique_ptr<Session> session;
  Output out(inv.json, std::cout);
  loop.Spawn("ctl", [&] {
    session = std::make_unique<Session>(**runtime, inv.pd);
    result = (*command)(*session, inv.args, out);
    loop.Stop();
  });
  loop.Run();
  // Fibres end before the session they use.
  loop.Shutdown();
  session.reset();
  return result.has_value() ? Fail(*result) : 0;
}

}  // namespace
}  // namespace runtime::bin

int main(int argc, char** argv) {
  using namespace runtime::bin;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "help") {
      std::cout << kUsage;
      return 0;
    }
  }
  absl::StatusOr<Invocation> inv = ParseArgs(argc, argv);
  if (!inv.ok()) {
    std::cerr << "ctl: " << inv.status().message() << " (see --help)\n";
    return kExitUsage;
  }
  return Run(*inv);
}
