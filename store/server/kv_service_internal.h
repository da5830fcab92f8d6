// Helpers shared by the KvService files. Internal to store/server.
#ifndef STORE_SERVER_KV_SERVICE_INTERNAL_H_
#define STORE_SERVER_KV_SERVICE_INTERNAL_H_

#include <string>
#include <utility>
#include <variant>

#include "store/server/kv_convert.h"
#include "store/server/region_error_convert.h"
#include "store/storage/storage.h"

namespace store::server::internal {

inline storage::Error Invalid(std::string message) {
  return storage::Error(
      core::mvcc::Error(core::mvcc::InvalidRequest{std::move(message)}));
}

template <typename Response>
bool RegionErrorInto(const storage::Error& error, Response* response) {
  const auto* region = std::get_if<storage::RegionError>(&error);
  if (region == nullptr) return false;
  *response->mutable_region_error() = ToErrorpb(*region);
  return true;
}

// A transactional response's single KeyError.
template <typename Response>
void KeyErrorInto(const storage::Error& error, Response* response) {
  if (RegionErrorInto(error, response)) return;
  *response->mutable_error() = KeyErrorOf(std::get<core::mvcc::Error>(error));
}

// A raw (or DeleteRange) response's error string.
template <typename Response>
void RawErrorInto(const storage::Error& error, Response* response) {
  if (RegionErrorInto(error, response)) return;
  response->set_error(RawErrorOf(std::get<core::mvcc::Error>(error)));
}

// Runs `cmd` under the request's context; `fill(result, &response)` on
// success, `into(error, &response)` otherwise (a bad context included).
template <typename Response, typename Command, typename Fill, typename Into>
Response Run(storage::Storage& storage, const kvrpcpb::Context& context,
             const Command& cmd, Fill&& fill, Into&& into) {
  Response response;
  auto ctx = ContextOf(context);
  if (!ctx.ok()) {
    into(storage::Error(core::mvcc::Error(ctx.error())), &response);
    return response;
  }
  auto result = storage.Execute(*ctx, cmd);
  if (!result.ok()) {
    into(result.error(), &response);
    return response;
  }
  fill(*result, &response);
  return response;
}

inline constexpr auto kNoFill = [](const auto&, auto*) {};
inline constexpr auto kKeyErrorInto = [](const storage::Error& error,
                                         auto* response) {
  KeyErrorInto(error, response);
};
inline constexpr auto kRawErrorInto = [](const storage::Error& error,
                                         auto* response) {
  RawErrorInto(error, response);
};

}  // namespace store::server::internal

#endif  // STORE_SERVER_KV_SERVICE_INTERNAL_H_
