// PdHost: a PD member as a simulated process (its ProcessState: destroyed by
// a crash, rebuilt from the disk by the factory at restart), serving its
// clients over gRPC: an rpc::Server at the member's client address (port
// 2379) with pd/server's services registered (pd/server/pd_grpc.h).
//
// Thread-affinity: the host's executor.
#ifndef SIM_PD_PD_HOST_H_
#define SIM_PD_PD_HOST_H_

#include <memory>

#include "absl/status/statusor.h"
#include "core/env/env.h"
#include "pd/server/etcd_service.h"
#include "pd/server/pd_member.h"
#include "pd/server/pd_service.h"
#include "rpc/server.h"
#include "sim/loop/sim_loop.h"

namespace sim::pdsim {

class PdHost final : public ProcessState {
 public:
  // Recovers the member from env.engine (reads only).
  static absl::StatusOr<std::unique_ptr<PdHost>> Create(
      core::env::Env env, const ::pd::server::PdMemberOptions& options,
      ::pd::server::PdMemberObserver* observer);
  ~PdHost() override;

  // Starts the member and the gRPC server.
  void Start();

  ::pd::server::PdMember& member() { return *member_; }
  const ::pd::server::PdMember& member() const { return *member_; }
  // Calls the server handed to a handler.
  uint64_t calls() const;

 private:
  PdHost(core::env::Env env, std::unique_ptr<::pd::server::PdMember> member);

  core::env::Env env_;
  std::unique_ptr<::pd::server::PdMember> member_;
  ::pd::server::PdService pd_;
  ::pd::server::EtcdService etcd_;
  ::pd::server::HealthService health_;
  std::unique_ptr<rpc::Server> server_;
};

}  // namespace sim::pdsim

#endif  // SIM_PD_PD_HOST_H_
