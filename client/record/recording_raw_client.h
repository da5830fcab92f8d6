// RecordingRawClient: a thin wrapper that records every raw operation of a
// RawClient as Jepsen-style events (issue 14 "Recording"), outside the
// client itself. Each call records an invocation, calls the client, and
// records how it ended:
//   ok    it happened (a read's value, a write, a CAS that swapped);
//   fail  it did not happen: a read that got no answer (it changed
//         nothing), or a CAS whose compare failed (it saw another value);
//   info  its outcome is unknown: a Put or CompareAndSwap whose RPC failed
//         may still take effect. The process then never issues again
//         (Jepsen's rule): later calls go under process + process_stride.
// Functions are "read", "write" and "cas"; values are the key's values as
// the client sees them (nullopt: absent). The sink stamps the events (the
// simulator: true time), so the client's own clock plays no part.
//
// Thread-affinity: as the RawClient's (one fibre per wrapper: a process has
// at most one operation pending).
#ifndef CLIENT_RECORD_RECORDING_RAW_CLIENT_H_
#define CLIENT_RECORD_RECORDING_RAW_CLIENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/rawkv/raw_client.h"

namespace client::record {

enum class Phase { kInvoke, kOk, kFail, kInfo };

// One event. `value` is what a read returned (ok), what a write wrote, or
// a CAS's new value; `expected` is a CAS's compared value.
struct Event {
  int64_t process = 0;
  Phase phase = Phase::kInvoke;
  std::string f;
  std::string key;
  std::optional<std::string> value;
  std::optional<std::string> expected;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void Record(const Event& event) = 0;
};

class RecordingRawClient {
 public:
  RecordingRawClient(rawkv::RawClient& raw, Sink& sink, int64_t process,
                     int64_t process_stride);

  absl::StatusOr<std::optional<std::string>> Get(const std::string& key);
  absl::Status Put(const std::string& key, const std::string& value);
  absl::StatusOr<rawkv::CasResult> CompareAndSwap(
      const std::string& key, const std::optional<std::string>& expected,
      const std::string& value);

  // The process the next call is recorded under.
  int64_t process() const { return process_; }
  rawkv::RawClient& raw() { return raw_; }

 private:
  void Record(Phase phase, const char* f, const std::string& key,
              std::optional<std::string> value,
              std::optional<std::string> expected);
  // After an info: a fresh process.
  void Retire() { process_ += process_stride_; }

  rawkv::RawClient& raw_;
  Sink& sink_;
  int64_t process_;
  const int64_t process_stride_;
};

}  // namespace client::record

#endif  // CLIENT_RECORD_RECORDING_RAW_CLIENT_H_
