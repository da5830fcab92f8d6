// ScriptedTxnStore: tikv stores as a script for client/txnkv's unit tests
// (client/locate's StoreTransport): per tikvpb method, answers in order
// (then a standing answer, then an empty message: an OK response), and
// every request sent. FakeOracle: PD's TSO and the expiry clock as numbers
// the test sets. Not a store: acceptance runs use the real ones
// (txn_sim_cluster_test).
#ifndef TESTS_CLIENT_SCRIPTED_TXN_STORE_H_
#define TESTS_CLIENT_SCRIPTED_TXN_STORE_H_

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "client/locate/region_source.h"
#include "client/txnkv/oracle.h"
#include "core/base/timestamp.h"

namespace client::txnkv::testing {

class ScriptedTxnStore final : public locate::StoreTransport {
 public:
  using Handler =
      std::function<absl::StatusOr<std::string>(std::string_view request)>;
  struct Sent {
    std::string method;
    std::string request;
  };

  absl::StatusOr<std::string> Call(const std::string& address,
                                   std::string_view method,
                                   std::string_view request,
                                   core::base::Duration timeout) override {
    const std::string name(method.substr(method.rfind('/') + 1));
    sent.push_back({name, std::string(request)});
    auto& queue = script[name];
    if (!queue.empty()) {
      Handler handler = std::move(queue.front());
      queue.pop_front();
      return handler(request);
    }
    auto standing = always.find(name);
    if (standing != always.end()) return standing->second(request);
    return std::string();
  }
  // One answer to the next call of `method` ("KvCheckTxnStatus").
  template <typename Response>
  void Answer(const std::string& method, const Response& response) {
    script[method].push_back(
        [bytes = response.SerializeAsString()](std::string_view) {
          return absl::StatusOr<std::string>(bytes);
        });
  }
  // The requests of `method`, in order.
  template <typename Request>
  std::vector<Request> Requests(const std::string& method) const {
    std::vector<Request> out;
    for (const Sent& s : sent) {
      if (s.method != method) continue;
      out.emplace_back();
      out.back().ParseFromString(s.request);
    }
    return out;
  }
  int Count(const std::string& method) const {
    int n = 0;
    for (const Sent& s : sent) n += s.method == method ? 1 : 0;
    return n;
  }

  std::map<std::string, std::deque<Handler>> script;
  std::map<std::string, Handler> always;
  std::vector<Sent> sent;
};

// TSO at `now_ms` (logical parts counting up); locks expire by `now_ms`.
class FakeOracle final : public Oracle {
 public:
  absl::StatusOr<uint64_t> GetTimestamp() override {
    ++calls;
    return core::base::TimeStamp::Compose(now_ms, ++logical).value();
  }
  int64_t UntilExpiredMs(uint64_t lock_ts, uint64_t ttl_ms) override {
    return UntilExpiredAt(now_ms, lock_ts, ttl_ms);
  }
  uint64_t now_ms = 1000;
  uint64_t logical = 0;
  int calls = 0;
};

inline uint64_t TsAt(uint64_t physical_ms) {
  return core::base::TimeStamp::Compose(physical_ms, 0).value();
}

}  // namespace client::txnkv::testing

#endif  // TESTS_CLIENT_SCRIPTED_TXN_STORE_H_
