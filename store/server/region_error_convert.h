// errorpb.Error <-> the storage layer's RegionError (store/storage
// region_error.h): the raftstore answers with errorpb, the storage layer
// reasons with the C++ arms, and the service answers clients with errorpb
// again (Ref: TiKV src/storage/errors.rs extract_region_error).
#ifndef STORE_SERVER_REGION_ERROR_CONVERT_H_
#define STORE_SERVER_REGION_ERROR_CONVERT_H_

#include "proto/errorpb.pb.h"
#include "store/storage/engine.h"

namespace store::server {

// A raftstore answer's error as the engine seam reports it: an errorpb arm
// the storage layer knows becomes its RegionError; RegionNotInitialized
// becomes RegionNotFound and ReadIndexNotReady StaleCommand (the client
// retries or reloads either way); an error with no arm (a malformed
// command) is an InvalidArgument status.
storage::EngineError FromErrorpb(const errorpb::Error& error);

// The errorpb.Error a client gets for `error`.
errorpb::Error ToErrorpb(const storage::RegionError& error);

}  // namespace store::server

#endif  // STORE_SERVER_REGION_ERROR_CONVERT_H_
