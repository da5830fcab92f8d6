#include "client/locate/region_source.h"

#include <utility>

namespace client::locate {

RpcStoreTransport::RpcStoreTransport(core::env::Executor& executor,
                                     core::env::Clock& clock,
                                     core::env::Network& network,
                                     rpc::ChannelOptions channel)
    : executor_(executor),
      clock_(clock),
      network_(network),
      channel_(std::move(channel)) {}

RpcStoreTransport::~RpcStoreTransport() {
  for (auto& [address, channel] : channels_) channel->Close();
}

absl::StatusOr<std::string> RpcStoreTransport::Call(
    const std::string& address, std::string_view method,
    std::string_view request, core::base::Duration timeout) {
  auto it = channels_.find(address);
  if (it == channels_.end()) {
    rpc::ChannelOptions options = channel_;
    options.target = address;
    it = channels_
             .emplace(address, std::make_unique<rpc::Channel>(
                                   executor_, clock_, network_, options))
             .first;
  }
  return it->second->UnaryCall(method, request, {.timeout = timeout});
}

}  // namespace client::locate
