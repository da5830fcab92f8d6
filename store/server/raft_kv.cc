#include "store/server/raft_kv.h"

#include <utility>

#include "core/region/metapb_convert.h"
#include "store/server/region_error_convert.h"

namespace store::server {

raft_cmdpb::RaftRequestHeader HeaderOf(const storage::RequestRoute& route) {
  raft_cmdpb::RaftRequestHeader header;
  header.set_region_id(route.region_id);
  *header.mutable_region_epoch() = core::region::ToMetapb(route.region_epoch);
  header.mutable_peer()->set_id(route.peer.id);
  header.mutable_peer()->set_store_id(route.peer.store_id);
  return header;
}

raft_cmdpb::RaftCmdRequest WriteCommandOf(const storage::RequestRoute& route,
                                          const core::env::WriteBatch& batch) {
  using Op = core::env::WriteBatch::OpKind;
  raft_cmdpb::RaftCmdRequest cmd;
  *cmd.mutable_header() = HeaderOf(route);
  for (const auto& op : batch.ops()) {
    raft_cmdpb::Request* request = cmd.add_requests();
    switch (op.kind) {
      case Op::kPut: {
        request->set_cmd_type(raft_cmdpb::Put);
        raft_cmdpb::PutRequest* put = request->mutable_put();
        put->set_cf(std::string(core::env::CfName(op.cf)));
        put->set_key(op.key);
        put->set_value(op.value);
        break;
      }
      case Op::kDelete:
        request->set_cmd_type(raft_cmdpb::Delete);
        request->mutable_delete_()->set_cf(
            std::string(core::env::CfName(op.cf)));
        request->mutable_delete_()->set_key(op.key);
        break;
      case Op::kDeleteRange: {
        request->set_cmd_type(raft_cmdpb::DeleteRange);
        raft_cmdpb::DeleteRangeRequest* range = request->mutable_delete_range();
        range->set_cf(std::string(core::env::CfName(op.cf)));
        range->set_start_key(op.key);
        // An empty end is the region's end to the raftstore.
        if (op.value != storage::KeySpaceEnd()) range->set_end_key(op.value);
        break;
      }
    }
  }
  return cmd;
}

storage::EngineResult<storage::RegionSnapshot> RaftKv::Snapshot(
    const storage::SnapContext& ctx) {
  // A stale read is served as a replica read (linearizable, so at least as
  // fresh as any safe_ts would allow).
  raftstore::ReadResponse read = store_.ReadAndWait(
      HeaderOf(ctx.route), ctx.replica_read || ctx.stale_read);
  if (read.error.has_value()) {
    return core::base::MakeErr(FromErrorpb(*read.error));
  }
  return storage::RegionSnapshot{std::move(read.snapshot),
                                 std::move(read.region)};
}

storage::EngineResult<core::base::Unit> RaftKv::Write(
    const storage::WriteContext& ctx, const core::env::WriteBatch& batch) {
  raft_cmdpb::RaftCmdResponse response =
      store_.ProposeAndWait(WriteCommandOf(ctx.route, batch));
  if (response.header().has_error()) {
    return core::base::MakeErr(FromErrorpb(response.header().error()));
  }
  return core::base::Unit{};
}

}  // namespace store::server
