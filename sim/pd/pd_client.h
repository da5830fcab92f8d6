// PdClient: a simulated PD client over the call binding of wire.h, in the
// shape of client-go's PD client (reference/interop.md §2): it learns the
// cluster id and the leader's client URL from GetMembers (asking the
// members in turn), sends every call to the leader with the cluster id in
// the header, keeps one Tso stream open there, and on a broken call or a
// "not leader" answer asks again and retries until its deadline.
//
// Replies come back to the client's own listen address (store/transport's
// reply model), matched to calls by call id.
//
// Thread-affinity: fibres of the client's executor; one call at a time per
// fibre, any number of fibres.
#ifndef SIM_PD_PD_CLIENT_H_
#define SIM_PD_PD_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/env/network.h"
#include "google/protobuf/message.h"
#include "proto/pdpb.pb.h"
#include "sim/pd/wire.h"
#include "store/transport/transport.h"

namespace sim::pdsim {

struct PdClientOptions {
  // Where the members' replies come back (this client listens there).
  core::env::Address address;
  // The members' client addresses ("host:port").
  std::vector<core::env::Address> members;
  core::base::Duration call_timeout = core::base::Duration::Seconds(2);
  core::base::Duration retry_backoff = core::base::Duration::Milliseconds(50);
};

// True for a pdpb header error saying the member does not lead.
bool IsNotLeaderHeader(const pdpb::ResponseHeader& header);

class PdClient {
 public:
  PdClient(core::env::Executor& executor, core::env::Clock& clock,
           core::env::Network& network, const PdClientOptions& options);
  ~PdClient();
  PdClient(const PdClient&) = delete;
  PdClient& operator=(const PdClient&) = delete;

  // Listens at options.address; from a fibre, before the first call.
  absl::Status Start();

  // One call to `to` (a stream message when stream_id != 0):
  // kDeadlineExceeded after call_timeout, the member's status, or OK with
  // `response` parsed. `answered` (optional) is false when a stream message
  // got no answer.
  absl::Status Call(const core::env::Address& to, std::string_view method,
                    const google::protobuf::Message& request,
                    google::protobuf::Message* response, uint64_t stream_id = 0,
                    bool* answered = nullptr);

  // ----- following the leader
  uint64_t cluster_id() const { return cluster_id_; }
  const core::env::Address& leader() const { return leader_; }
  // Asks each member for GetMembers until one names a leader (starting with
  // the member after the one asked last, so a stale answer does not stick).
  absl::Status RefreshLeader();
  // The next call asks for the leader first (client-go does so after every
  // error).
  void ForgetLeader() { leader_.clear(); }
  // Calls the leader (header cluster id set), following it until
  // `deadline`. Statuses other than unreachable / not leader are returned
  // at once.
  template <typename Request, typename Response>
  absl::StatusOr<Response> CallLeader(std::string_view method, Request request,
                                      core::base::Instant deadline);
  // `count` timestamps from the leader on this client's Tso stream (a new
  // stream after any failure), retried until `deadline`.
  absl::StatusOr<pdpb::TsoResponse> Tso(uint32_t count,
                                        core::base::Instant deadline);

  core::base::Instant Now() { return clock_.NowMonotonic(); }
  void SleepFor(core::base::Duration duration) { executor_.SleepFor(duration); }
  uint64_t retries() const { return retries_; }

 private:
  struct Pending;
  void OnFrame(const core::env::Address& from, std::string frame);
  // Forgets the leader and waits a little (a failed attempt).
  void Backoff(bool forget_leader);

  core::env::Executor& executor_;
  core::env::Clock& clock_;
  core::env::Network& network_;
  PdClientOptions options_;
  store::transport::Transport transport_;
  std::unique_ptr<store::transport::TransportServer> server_;
  uint64_t next_call_ = 0;
  std::map<uint64_t, Pending*> pending_;
  uint64_t cluster_id_ = 0;
  core::env::Address leader_;
  size_t next_member_ = 0;
  uint64_t next_stream_ = 0;
  uint64_t tso_stream_ = 0;
  core::env::Address tso_stream_to_;
  uint64_t retries_ = 0;
};

template <typename Request, typename Response>
absl::StatusOr<Response> PdClient::CallLeader(std::string_view method,
                                              Request request,
                                              core::base::Instant deadline) {
  absl::Status last = absl::UnavailableError("no PD leader known");
  while (Now() < deadline) {
    if (leader_.empty() || cluster_id_ == 0) {
      last = RefreshLeader();
      if (!last.ok()) {
        Backoff(true);
        continue;
      }
    }
    if constexpr (requires { request.mutable_header()->set_cluster_id(1); }) {
      request.mutable_header()->set_cluster_id(cluster_id_);
    }
    Response response;
    last = Call(leader_, method, request, &response);
    if (last.ok()) {
      if constexpr (requires { response.header().error(); }) {
        if (IsNotLeaderHeader(response.header())) {
          last = absl::UnavailableError(response.header().error().message());
          Backoff(true);
          continue;
        }
      }
      return response;
    }
    if (!absl::IsUnavailable(last) && !absl::IsDeadlineExceeded(last)) {
      return last;
    }
    Backoff(true);
  }
  return last;
}

}  // namespace sim::pdsim

#endif  // SIM_PD_PD_CLIENT_H_
