#include "core/raft/codec.h"

#include <utility>

#include "core/base/bytes.h"

namespace core::raft {
namespace {

using core::base::MakeErr;
using core::base::PutLengthPrefixed;
using core::base::PutVarint64;

constexpr uint8_t kFormatVersion = 1;
constexpr uint8_t kFlagReject = 1;
constexpr uint8_t kFlagSnapshot = 2;
// Smallest encoded sizes, used to reject absurd counts before allocating.
constexpr size_t kMinEntryBytes = 4;
constexpr size_t kMinIdBytes = 1;

// A cursor over untrusted bytes. Each getter returns false on short or bad
// input and records the first failure.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : in_(bytes) {}

  bool Varint(uint64_t* value, const char* what) {
    if (core::base::GetVarint64(&in_, value)) return true;
    return Fail(std::string("bad varint for ") + what);
  }
  bool Byte(uint8_t* value, const char* what) {
    if (in_.empty()) return Fail(std::string("missing byte for ") + what);
    *value = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return true;
  }
  bool Bytes(std::string* value, const char* what) {
    std::string_view view;
    if (!core::base::GetLengthPrefixed(&in_, &view)) {
      return Fail(std::string("bad length-prefixed ") + what);
    }
    value->assign(view);
    return true;
  }
  // Reads a count of items each at least `min_bytes` long.
  bool Count(uint64_t* count, size_t min_bytes, const char* what) {
    if (!Varint(count, what)) return false;
    if (*count > in_.size() / min_bytes) {
      return Fail(std::string("count exceeds input for ") + what);
    }
    return true;
  }
  bool Fail(std::string reason) {
    if (error_.empty()) error_ = std::move(reason);
    return false;
  }
  bool AtEnd() const { return in_.empty(); }
  const std::string& error() const { return error_; }

 private:
  std::string_view in_;
  std::string error_;
};

void PutIds(std::string* out, const std::vector<NodeId>& ids) {
  PutVarint64(out, ids.size());
  for (NodeId id : ids) PutVarint64(out, id);
}

bool GetIds(Reader* reader, std::vector<NodeId>* ids, const char* what) {
  uint64_t count = 0;
  if (!reader->Count(&count, kMinIdBytes, what)) return false;
  ids->resize(count);
  for (NodeId& id : *ids) {
    if (!reader->Varint(&id, what)) return false;
  }
  return true;
}

void PutEntry(std::string* out, const Entry& entry) {
  PutVarint64(out, entry.term);
  PutVarint64(out, entry.index);
  out->push_back(static_cast<char>(entry.type));
  PutLengthPrefixed(out, entry.data);
}

bool GetEntry(Reader* reader, Entry* entry) {
  uint8_t type = 0;
  if (!reader->Varint(&entry->term, "entry term") ||
      !reader->Varint(&entry->index, "entry index") ||
      !reader->Byte(&type, "entry type")) {
    return false;
  }
  if (type > static_cast<uint8_t>(EntryType::kConfChange)) {
    return reader->Fail("unknown entry type " + std::to_string(type));
  }
  entry->type = static_cast<EntryType>(type);
  return reader->Bytes(&entry->data, "entry data");
}

void PutSnapshot(std::string* out, const Snapshot& snapshot) {
  PutVarint64(out, snapshot.metadata.index);
  PutVarint64(out, snapshot.metadata.term);
  const ConfState& cs = snapshot.metadata.conf_state;
  PutIds(out, cs.voters);
  PutIds(out, cs.voters_outgoing);
  PutIds(out, cs.learners);
  PutIds(out, cs.learners_next);
  out->push_back(cs.auto_leave ? 1 : 0);
  PutLengthPrefixed(out, snapshot.data);
}

bool GetSnapshot(Reader* reader, Snapshot* snapshot) {
  ConfState& cs = snapshot->metadata.conf_state;
  uint8_t auto_leave = 0;
  if (!reader->Varint(&snapshot->metadata.index, "snapshot index") ||
      !reader->Varint(&snapshot->metadata.term, "snapshot term") ||
      !GetIds(reader, &cs.voters, "voters") ||
      !GetIds(reader, &cs.voters_outgoing, "outgoing voters") ||
      !GetIds(reader, &cs.learners, "learners") ||
      !GetIds(reader, &cs.learners_next, "learners_next") ||
      !reader->Byte(&auto_leave, "auto_leave")) {
    return false;
  }
  if (auto_leave > 1) return reader->Fail("auto_leave is not a bool");
  cs.auto_leave = auto_leave == 1;
  return reader->Bytes(&snapshot->data, "snapshot data");
}

bool GetHeader(Reader* reader, Message* m) {
  uint8_t version = 0;
  uint8_t type = 0;
  if (!reader->Byte(&version, "version")) return false;
  if (version != kFormatVersion) {
    return reader->Fail("unsupported version " + std::to_string(version));
  }
  if (!reader->Byte(&type, "type")) return false;
  if (type > kMaxMessageType) {
    return reader->Fail("unknown message type " + std::to_string(type));
  }
  m->type = static_cast<MessageType>(type);
  return reader->Varint(&m->to, "to") && reader->Varint(&m->from, "from") &&
         reader->Varint(&m->term, "term") &&
         reader->Varint(&m->log_term, "log_term") &&
         reader->Varint(&m->index, "index") &&
         reader->Varint(&m->commit, "commit") &&
         reader->Varint(&m->reject_hint, "reject_hint");
}

bool GetBody(Reader* reader, Message* m) {
  uint8_t flags = 0;
  if (!reader->Byte(&flags, "flags")) return false;
  if ((flags & ~(kFlagReject | kFlagSnapshot)) != 0) {
    return reader->Fail("unknown flag bits");
  }
  m->reject = (flags & kFlagReject) != 0;
  if (!reader->Bytes(&m->context, "context")) return false;
  uint64_t count = 0;
  if (!reader->Count(&count, kMinEntryBytes, "entries")) return false;
  m->entries.resize(count);
  for (Entry& entry : m->entries) {
    if (!GetEntry(reader, &entry)) return false;
  }
  if ((flags & kFlagSnapshot) != 0) {
    m->snapshot.emplace();
    if (!GetSnapshot(reader, &*m->snapshot)) return false;
  }
  return true;
}

}  // namespace

std::string EncodeMessage(const Message& m) {
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(m.type));
  for (uint64_t field :
       {m.to, m.from, m.term, m.log_term, m.index, m.commit, m.reject_hint}) {
    PutVarint64(&out, field);
  }
  uint8_t flags = (m.reject ? kFlagReject : 0) |
                  (m.snapshot.has_value() ? kFlagSnapshot : 0);
  out.push_back(static_cast<char>(flags));
  PutLengthPrefixed(&out, m.context);
  PutVarint64(&out, m.entries.size());
  for (const Entry& entry : m.entries) PutEntry(&out, entry);
  if (m.snapshot.has_value()) PutSnapshot(&out, *m.snapshot);
  return out;
}

core::base::Result<Message, DecodeError> DecodeMessage(std::string_view bytes) {
  Reader reader(bytes);
  Message m;
  if (!GetHeader(&reader, &m) || !GetBody(&reader, &m)) {
    return MakeErr(DecodeError{reader.error()});
  }
  if (!reader.AtEnd()) return MakeErr(DecodeError{"trailing bytes"});
  return m;
}

std::string EncodeConfChange(const ConfChange& change) {
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(change.transition));
  PutVarint64(&out, change.changes.size());
  for (const ConfChangeSingle& single : change.changes) {
    out.push_back(static_cast<char>(single.type));
    PutVarint64(&out, single.node_id);
  }
  PutLengthPrefixed(&out, change.context);
  return out;
}

core::base::Result<ConfChange, DecodeError> DecodeConfChange(
    std::string_view bytes) {
  Reader reader(bytes);
  ConfChange change;
  uint8_t version = 0;
  uint8_t transition = 0;
  uint64_t count = 0;
  bool ok = reader.Byte(&version, "version") &&
            (version == kFormatVersion ||
             reader.Fail("unsupported version " + std::to_string(version))) &&
            reader.Byte(&transition, "transition") &&
            (transition <=
                 static_cast<uint8_t>(ConfChangeTransition::kJointExplicit) ||
             reader.Fail("unknown transition")) &&
            reader.Count(&count, 2, "changes");
  if (ok) {
    change.transition = static_cast<ConfChangeTransition>(transition);
    change.changes.resize(count);
    for (ConfChangeSingle& single : change.changes) {
      uint8_t type = 0;
      ok = reader.Byte(&type, "change type") &&
           (type <= static_cast<uint8_t>(ConfChangeType::kAddLearnerNode) ||
            reader.Fail("unknown change type")) &&
           reader.Varint(&single.node_id, "node id");
      if (!ok) break;
      single.type = static_cast<ConfChangeType>(type);
    }
  }
  if (ok) ok = reader.Bytes(&change.context, "context");
  if (!ok) return MakeErr(DecodeError{reader.error()});
  if (!reader.AtEnd()) return MakeErr(DecodeError{"trailing bytes"});
  return change;
}

}  // namespace core::raft
