#include "sim/pd/pd_host.h"

#include <utility>

#include "core/base/check.h"
#include "pd/server/pd_grpc.h"

namespace sim::pdsim {

namespace server = ::pd::server;

absl::StatusOr<std::unique_ptr<PdHost>> PdHost::Create(
    core::env::Env env, const server::PdMemberOptions& options,
    server::PdMemberObserver* observer) {
  auto member = server::PdMember::Create(env, options, observer);
  if (!member.ok()) return member.status();
  return std::unique_ptr<PdHost>(new PdHost(env, *std::move(member)));
}

PdHost::PdHost(core::env::Env env, std::unique_ptr<server::PdMember> member)
    : env_(env),
      member_(std::move(member)),
      pd_(*member_),
      etcd_(*member_),
      health_(*member_) {}

PdHost::~PdHost() = default;

uint64_t PdHost::calls() const {
  return server_ == nullptr ? 0 : server_->stats().calls_started;
}

void PdHost::Start() {
  member_->Start();
  auto services = std::make_shared<rpc::ServiceRegistry>();
  server::RegisterPdServices(pd_, etcd_, health_, *services);
  auto started = rpc::Server::Start(
      env_.executor, env_.clock, env_.network,
      {.listen_address = member_->info().client_address}, std::move(services));
  CHECK(started.ok()) << "PD client address: " << started.status();
  server_ = *std::move(started);
}

}  // namespace sim::pdsim
