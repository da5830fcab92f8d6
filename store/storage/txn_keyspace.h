// The transactional key space. Every engine key the MVCC layer reads or
// writes (CF_LOCK, CF_WRITE, CF_DEFAULT) is stored behind the byte 'x', and
// raw KV's behind "r" (core/rawkv RawKvOptions::key_prefix), as in TiKV API
// V2, so that neither API can see, overwrite or delete the other's keys.
// Without it a transactional user key starting with 'r' (its memcomparable
// encoding starts with the same byte) would land among the raw keys of
// CF_DEFAULT, and a raw delete-range could erase a transaction's value. The
// MVCC layer never sees the prefix: it reads through TxnSnapshot and its
// MvccTxn buffer is prefixed by AppendTxnBatch on the way to the engine.
#ifndef STORE_STORAGE_TXN_KEYSPACE_H_
#define STORE_STORAGE_TXN_KEYSPACE_H_

#include <memory>
#include <string>
#include <string_view>

#include "core/env/engine.h"

namespace store::storage {

// DO NOT CHANGE: persisted.
inline constexpr char kTxnKeyPrefix = 'x';

// The engine key of an MVCC key (an encoded user key, or a version key).
std::string TxnEngineKey(std::string_view mvcc_key);
// The end of the transactional key space: every txn engine key is below it.
std::string TxnKeyspaceEnd();

// `snapshot` restricted to the transactional key space, with the prefix
// stripped from every key: the view an MvccReader reads. Iterator bounds
// and seek targets are MVCC keys; an unset bound is the key space's edge.
std::shared_ptr<const core::env::Snapshot> TxnSnapshot(
    std::shared_ptr<const core::env::Snapshot> snapshot);

// Appends every op of `txn_batch` (MVCC keys, e.g. MvccTxn::ToWriteBatch) to
// `out` with its key, and a delete-range's end key, prefixed.
void AppendTxnBatch(const core::env::WriteBatch& txn_batch,
                    core::env::WriteBatch* out);

}  // namespace store::storage

#endif  // STORE_STORAGE_TXN_KEYSPACE_H_
