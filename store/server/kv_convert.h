// kvrpcpb <-> store/storage commands.h (TiKV src/server/service/kv.rs's
// request and response mapping): a request's Context becomes the storage
// Context (routing, isolation level, resolved locks, replica read); each
// request message its command struct; each result, KeyError and region
// error its response fields. Keys and values pass through unchanged (API
// V1: the storage layer encodes transactional keys).
#ifndef STORE_SERVER_KV_CONVERT_H_
#define STORE_SERVER_KV_CONVERT_H_

#include <optional>
#include <string>

#include "core/mvcc/errors.h"
#include "proto/kvrpcpb.pb.h"
#include "store/storage/commands.h"

namespace store::server {

// InvalidRequest when the context cannot be served (an API version other
// than V1 / V1TTL).
core::base::Result<storage::Context, core::mvcc::InvalidRequest> ContextOf(
    const kvrpcpb::Context& context);

// nullopt for an unknown column family name.
std::optional<core::env::Cf> RawCfOf(const std::string& name);

kvrpcpb::LockInfo LockInfoOf(const core::mvcc::LockInfo& info);
// The KeyError a client sees for a transactional error (InvalidRequest and
// storage failures as `abort`, as TiKV's Error::Other).
kvrpcpb::KeyError KeyErrorOf(const core::mvcc::Error& error);
std::string RawErrorOf(const core::mvcc::Error& error);

core::base::Result<storage::Prewrite, core::mvcc::InvalidRequest> PrewriteOf(
    const kvrpcpb::PrewriteRequest& request);
storage::CheckTxnStatus CheckTxnStatusOf(
    const kvrpcpb::CheckTxnStatusRequest& request);
storage::ResolveLock ResolveLockOf(const kvrpcpb::ResolveLockRequest& request);
storage::AcquirePessimisticLock PessimisticLockOf(
    const kvrpcpb::PessimisticLockRequest& request);

void FillCheckTxnStatus(const storage::CheckTxnStatusResult& status,
                        const std::string& primary_key,
                        kvrpcpb::CheckTxnStatusResponse* response);
void FillCheckSecondaryLocks(const storage::CheckSecondaryLocksResult& status,
                             kvrpcpb::CheckSecondaryLocksResponse* response);
// A KvPair, with its per-key lock error.
kvrpcpb::KvPair KvPairOf(const core::mvcc::KvPair& pair);

}  // namespace store::server

#endif  // STORE_SERVER_KV_CONVERT_H_
