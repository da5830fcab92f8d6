// PdHost: a PD member as a simulated process (its ProcessState: destroyed by
// a crash, rebuilt from the disk by the factory at restart), with the call
// binding of wire.h in front of its typed handlers: a TransportServer at
// the member's client address receives calls, runs each unary call on a
// fibre of its own and each stream's messages in order on one fibre per
// stream, and answers through a Transport to the caller's listen address.
//
// The binding is the simulator's; pd/server knows nothing of it (rpc/ will
// bind the same handlers to gRPC).
//
// Thread-affinity: the host's executor.
#ifndef SIM_PD_PD_HOST_H_
#define SIM_PD_PD_HOST_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "core/env/channel.h"
#include "core/env/env.h"
#include "pd/server/etcd_service.h"
#include "pd/server/pd_member.h"
#include "pd/server/pd_service.h"
#include "sim/loop/sim_loop.h"
#include "sim/pd/wire.h"
#include "store/transport/transport.h"

namespace sim::pdsim {

// gRPC method paths served.
inline constexpr std::string_view kTsoMethod = "/pdpb.PD/Tso";
inline constexpr std::string_view kRegionHeartbeatMethod =
    "/pdpb.PD/RegionHeartbeat";

class PdHost final : public ProcessState {
 public:
  // Recovers the member from env.engine (reads only).
  static absl::StatusOr<std::unique_ptr<PdHost>> Create(
      core::env::Env env, const ::pd::server::PdMemberOptions& options,
      ::pd::server::PdMemberObserver* observer);
  ~PdHost() override;

  // Starts the member and the call binding.
  void Start();

  ::pd::server::PdMember& member() { return *member_; }
  const ::pd::server::PdMember& member() const { return *member_; }
  uint64_t calls() const { return calls_; }

 private:
  using Unary = std::function<absl::StatusOr<std::string>(std::string_view)>;
  struct Stream;

  PdHost(core::env::Env env, std::unique_ptr<::pd::server::PdMember> member);
  void AddMethods();
  void OnFrame(const core::env::Address& from, std::string frame);
  void ServeUnary(core::env::Address from, CallFrame call);
  void ServeStream(core::env::Address from, std::string method,
                   std::shared_ptr<Stream> stream);
  void Reply(const core::env::Address& to, ReplyFrame reply);

  core::env::Env env_;
  std::unique_ptr<::pd::server::PdMember> member_;
  ::pd::server::PdService pd_;
  ::pd::server::EtcdService etcd_;
  ::pd::server::HealthService health_;
  store::transport::Transport transport_;
  std::unique_ptr<store::transport::TransportServer> server_;
  std::map<std::string, Unary, std::less<>> unary_;
  std::map<std::pair<core::env::Address, uint64_t>, std::shared_ptr<Stream>>
      streams_;
  uint64_t calls_ = 0;
};

}  // namespace sim::pdsim

#endif  // SIM_PD_PD_HOST_H_
