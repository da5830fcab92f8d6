#include "client/record/recording_raw_client.h"

#include <utility>

namespace client::record {

RecordingRawClient::RecordingRawClient(rawkv::RawClient& raw, Sink& sink,
                                       int64_t process, int64_t process_stride)
    : raw_(raw),
      sink_(sink),
      process_(process),
      process_stride_(process_stride) {}

void RecordingRawClient::Record(Phase phase, const char* f,
                                const std::string& key,
                                std::optional<std::string> value,
                                std::optional<std::string> expected) {
  sink_.Record(Event{.process = process_,
                     .phase = phase,
                     .f = f,
                     .key = key,
                     .value = std::move(value),
                     .expected = std::move(expected)});
}

absl::StatusOr<std::optional<std::string>> RecordingRawClient::Get(
    const std::string& key) {
  Record(Phase::kInvoke, "read", key, std::nullopt, std::nullopt);
  auto got = raw_.Get(key);
  if (got.ok()) {
    Record(Phase::kOk, "read", key, *got, std::nullopt);
  } else {
    Record(Phase::kFail, "read", key, std::nullopt, std::nullopt);
  }
  return got;
}

absl::Status RecordingRawClient::Put(const std::string& key,
                                     const std::string& value) {
  Record(Phase::kInvoke, "write", key, value, std::nullopt);
  absl::Status put = raw_.Put(key, value);
  if (put.ok()) {
    Record(Phase::kOk, "write", key, value, std::nullopt);
  } else {
    Record(Phase::kInfo, "write", key, value, std::nullopt);
    Retire();
  }
  return put;
}

absl::StatusOr<rawkv::CasResult> RecordingRawClient::CompareAndSwap(
    const std::string& key, const std::optional<std::string>& expected,
    const std::string& value) {
  Record(Phase::kInvoke, "cas", key, value, expected);
  auto cas = raw_.CompareAndSwap(key, expected, value);
  if (!cas.ok()) {
    Record(Phase::kInfo, "cas", key, value, expected);
    Retire();
  } else {
    Record(cas->succeeded ? Phase::kOk : Phase::kFail, "cas", key, value,
           expected);
  }
  return cas;
}

}  // namespace client::record
