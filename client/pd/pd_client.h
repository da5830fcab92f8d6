// PdClient: the project's client of the Placement Driver, over gRPC (rpc/),
// with client-go's behaviour (tikv/pd client/client.go, tso_dispatcher.go;
// reference/interop.md §2). The region cache and the raw and transactional
// clients are built on it; applications may use it directly.
//
// What every call guarantees:
//   * A deadline. Nothing parks past the `deadline` it is given (give or
//     take one backoff step): the call then fails with DEADLINE_EXCEEDED
//     (or the last error seen while retrying).
//   * The leader. Calls go to the PD leader, found with GetMembers from any
//     member (members are asked in turn; the leader's client_urls[0] is a
//     full URL, "http://host:port"). A "not leader" header error, an
//     UNAVAILABLE or a timed-out attempt makes the client ask again, back
//     off (exponential with jitter, options below) and retry until the
//     deadline. A request that may have been applied is retried too: every
//     call here is idempotent or, like AllocID and Tso, merely wastes what
//     the lost answer held.
//   * The cluster. The first GetMembers answer fixes the cluster id (never
//     0); every request carries it, and a response carrying another one is
//     refused with FAILED_PRECONDITION "mismatch cluster id" (not retried:
//     this client is talking to a different cluster). A GetMembers answer
//     with another id is skipped, as client-go skips that member.
//   * Errors. Other header errors come back as statuses: NOT_BOOTSTRAPPED
//     and ALREADY_BOOTSTRAPPED as FAILED_PRECONDITION, others as UNKNOWN,
//     each with PD's message; gRPC statuses other than UNAVAILABLE and
//     DEADLINE_EXCEEDED are returned at once.
//   * TSO. One Tso bidi stream to the leader, owned by a dispatcher fibre:
//     concurrent GetTimestamp callers waiting together share one request
//     (their counts summed), and each gets its own contiguous slice of the
//     answered batch, handed out in the order the callers asked; a caller
//     that asked after another caller's answer returned gets timestamps above
//     it. The response must carry the requested count and this cluster's id,
//     or the stream is dropped and the batch retried on a new one.
//
// Thread-affinity: fibres of `executor`; any number of fibres may call at
// once. The Executor, Clock and Network must outlive the client; destroy
// the client from a fibre or after the executor stopped.
#ifndef CLIENT_PD_PD_CLIENT_H_
#define CLIENT_PD_PD_CLIENT_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/prng.h"
#include "core/base/time.h"
#include "core/base/timestamp.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/env/network.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"
#include "rpc/channel.h"

namespace client::pd {

struct PdClientOptions {
  // Any members' client addresses, "host:port" or "http://host:port".
  std::vector<std::string> members;
  // The longest one attempt may take (GetMembers, a unary call, a Tso
  // round trip); less when the call's deadline is nearer.
  core::base::Duration attempt_timeout = core::base::Duration::Seconds(2);
  // Backoff after a failed attempt: backoff_initial doubling per
  // consecutive failure up to backoff_max, each a uniform draw from
  // [half, all] of that (jitter).
  core::base::Duration backoff_initial = core::base::Duration::Milliseconds(50);
  core::base::Duration backoff_max = core::base::Duration::Seconds(1);
  // Seeds the jitter (no ambient randomness in a driver).
  uint64_t jitter_seed = 1;
  // Most timestamps one Tso request asks for (client-go batches up to
  // 10,000 requests; one count is at most 2^18).
  uint32_t max_tso_batch_count = 1 << 17;
  // Template of every member's channel (`target` is filled in).
  rpc::ChannelOptions channel = DefaultChannelOptions();

  // Reconnects after 50 ms doubling up to 1 s (a member that restarts is
  // found again soon).
  static rpc::ChannelOptions DefaultChannelOptions() {
    rpc::ChannelOptions options;
    options.backoff_initial = core::base::Duration::Milliseconds(50);
    options.backoff_max = core::base::Duration::Seconds(1);
    return options;
  }
};

// `count` consecutive timestamps, first..last (same physical part).
struct TsoBatch {
  core::base::TimeStamp first;
  core::base::TimeStamp last;
};

struct PdClientStats {
  uint64_t tso_requests = 0;    // Tso requests written on a stream
  uint64_t tso_callers = 0;     // GetTimestamp(s) calls answered
  uint64_t tso_streams = 0;     // streams opened
  uint64_t retries = 0;         // attempts that failed and were retried
  uint64_t leader_changes = 0;  // times a different leader was learnt
};

// "http://host:port" (or "host:port") as "host:port"; an error for anything
// else (another scheme, a path, no port).
absl::StatusOr<std::string> ParseMemberUrl(std::string_view url);
// True for a pdpb header error saying the member does not lead.
bool IsNotLeaderHeader(const pdpb::ResponseHeader& header);
// A header error as a status: OK without one; NOT_BOOTSTRAPPED and
// ALREADY_BOOTSTRAPPED as FAILED_PRECONDITION, others as UNKNOWN, each with
// PD's message (for callers of CallLeader).
absl::Status HeaderStatus(const pdpb::ResponseHeader& header);

class PdClient {
 public:
  PdClient(core::env::Executor& executor, core::env::Clock& clock,
           core::env::Network& network, const PdClientOptions& options);
  ~PdClient();
  PdClient(const PdClient&) = delete;
  PdClient& operator=(const PdClient&) = delete;

  // ----- the leader
  // Asks the members in turn (from the one after the last asked) for
  // GetMembers until one names a leader, within `deadline`.
  absl::Status UpdateMembers(core::base::Instant deadline);
  // 0 until the first GetMembers answer.
  uint64_t cluster_id() const { return cluster_id_; }
  // The leader's address; empty when unknown.
  const std::string& leader() const { return leader_; }
  // The next call asks for the leader first (client-go does so after an
  // error).
  void ForgetLeader() { leader_.clear(); }

  // ----- TSO
  absl::StatusOr<core::base::TimeStamp> GetTimestamp(
      core::base::Instant deadline);
  // `count` (>= 1) timestamps at once.
  absl::StatusOr<TsoBatch> GetTimestamps(uint32_t count,
                                         core::base::Instant deadline);

  // ----- regions and stores. A region response keeps `region`, `leader`,
  // `down_peers` and `buckets`; no region is OK with an empty `region`.
  absl::StatusOr<pdpb::GetRegionResponse> GetRegion(
      std::string_view key, core::base::Instant deadline);
  // The region before the one holding `key`.
  absl::StatusOr<pdpb::GetRegionResponse> GetPrevRegion(
      std::string_view key, core::base::Instant deadline);
  absl::StatusOr<pdpb::GetRegionResponse> GetRegionByID(
      uint64_t region_id, core::base::Instant deadline);
  // Regions from start_key up to end_key (empty: to the end), at most
  // `limit` (0: no limit).
  absl::StatusOr<pdpb::ScanRegionsResponse> ScanRegions(
      std::string_view start_key, std::string_view end_key, int32_t limit,
      core::base::Instant deadline);
  absl::StatusOr<metapb::Store> GetStore(uint64_t store_id,
                                         core::base::Instant deadline);
  // Tombstone stores excluded.
  absl::StatusOr<std::vector<metapb::Store>> GetAllStores(
      core::base::Instant deadline);

  // ----- IDs and GC
  // An ID never handed out before, by any leader.
  absl::StatusOr<uint64_t> AllocID(core::base::Instant deadline);
  // Proposes `safe_point`; returns the safe point now in force (the larger
  // of the two: it never moves back).
  absl::StatusOr<uint64_t> UpdateGCSafePoint(uint64_t safe_point,
                                             core::base::Instant deadline);
  absl::StatusOr<uint64_t> GetGCSafePoint(core::base::Instant deadline);

  // ----- any unary call on the PD port (pdpb.PD, etcdserverpb), with the
  // rules above (the cluster id rules for pdpb messages only). The
  // response's header error (other than "not leader") is left for the
  // caller.
  template <typename Request, typename Response>
  absl::StatusOr<Response> CallLeader(std::string_view method, Request request,
                                      core::base::Instant deadline);
  // One attempt at one member ("host:port"), no retry, no header checks:
  // for tests and tools that address a member on purpose.
  template <typename Response, typename Request>
  absl::StatusOr<Response> CallMember(const std::string& member,
                                      std::string_view method,
                                      const Request& request,
                                      core::base::Duration timeout);
  // The channel to `member` (opened on first use).
  rpc::Channel& channel(const std::string& member);

  core::base::Instant Now() const { return clock_.NowMonotonic(); }
  void SleepFor(core::base::Duration duration) { executor_.SleepFor(duration); }
  const PdClientStats& stats() const { return stats_; }

 private:
  struct TsoWaiter;
  struct TsoStream;
  enum class HeaderCheck : uint8_t { kOk, kNotLeader, kWrongCluster };

  // A leader to call: the known one, or UpdateMembers.
  absl::Status EnsureLeader(core::base::Instant deadline);
  HeaderCheck CheckHeader(const pdpb::ResponseHeader& header) const;
  absl::Status WrongCluster(const pdpb::ResponseHeader& header) const;
  // One attempt's timeout: attempt_timeout, or less to meet `deadline`.
  core::base::Duration AttemptTimeout(core::base::Instant deadline) const;
  // After a failed attempt: forgets the leader and sleeps the backoff of
  // `attempt` (0-based), never past `deadline`.
  void Backoff(int attempt, core::base::Instant deadline);
  void LearnLeader(const std::string& leader);

  void WakeDispatcher();
  void TsoLoop(std::shared_ptr<bool> alive);
  // Waiters of the next request (not yet abandoned), their counts summed.
  std::vector<std::shared_ptr<TsoWaiter>> TakeTsoBatch(uint32_t* count);
  absl::StatusOr<pdpb::TsoResponse> SendTso(uint32_t count,
                                            core::base::Instant deadline);
  void FinishTso(const std::vector<std::shared_ptr<TsoWaiter>>& batch,
                 const pdpb::TsoResponse& response);

  core::env::Executor& executor_;
  core::env::Clock& clock_;
  core::env::Network& network_;
  PdClientOptions options_;
  core::base::Prng jitter_;
  std::map<std::string, std::unique_ptr<rpc::Channel>> channels_;
  uint64_t cluster_id_ = 0;
  std::string leader_;
  size_t next_member_ = 0;
  PdClientStats stats_;

  std::deque<std::shared_ptr<TsoWaiter>> tso_queue_;
  std::shared_ptr<core::env::Event> tso_wakeup_;
  std::shared_ptr<bool> alive_;
  bool dispatcher_started_ = false;
  std::unique_ptr<TsoStream> tso_stream_;
};

template <typename Request, typename Response>
absl::StatusOr<Response> PdClient::CallLeader(std::string_view method,
                                              Request request,
                                              core::base::Instant deadline) {
  absl::Status last = absl::DeadlineExceededError("PD call: deadline passed");
  for (int attempt = 0; Now() < deadline; ++attempt) {
    if (attempt > 0) Backoff(attempt - 1, deadline);
    last = EnsureLeader(deadline);
    if (!last.ok()) continue;
    // pdpb requests carry the cluster id (etcd's do not).
    if constexpr (requires { request.mutable_header()->set_cluster_id(1); }) {
      request.mutable_header()->set_cluster_id(cluster_id_);
    }
    absl::StatusOr<Response> response = CallMember<Response>(
        leader_, method, request, AttemptTimeout(deadline));
    if (!response.ok()) {
      last = response.status();
      if (absl::IsUnavailable(last) || absl::IsDeadlineExceeded(last)) {
        continue;
      }
      return last;
    }
    if constexpr (std::is_same_v<std::decay_t<decltype(response->header())>,
                                 pdpb::ResponseHeader>) {
      switch (CheckHeader(response->header())) {
        case HeaderCheck::kOk:
          break;
        case HeaderCheck::kWrongCluster:
          return WrongCluster(response->header());
        case HeaderCheck::kNotLeader:
          last = absl::UnavailableError(response->header().error().message());
          continue;
      }
    }
    return response;
  }
  return last;
}

template <typename Response, typename Request>
absl::StatusOr<Response> PdClient::CallMember(const std::string& member,
                                              std::string_view method,
                                              const Request& request,
                                              core::base::Duration timeout) {
  return rpc::Unary<Response>(channel(member), method, request,
                              {.timeout = timeout});
}

}  // namespace client::pd

#endif  // CLIENT_PD_PD_CLIENT_H_
