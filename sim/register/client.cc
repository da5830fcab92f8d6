#include "sim/register/client.h"

#include <sstream>
#include <utility>

#include "core/base/check.h"

namespace sim::register_kv {

using core::base::Duration;
using core::base::Instant;
using jepsen::history::OpType;
using jepsen::history::Value;

namespace {

// Answers waiting to be read; a client waits for one at a time.
constexpr size_t kResponsesQueued = 64;

const char* FunctionName(CommandKind kind) {
  switch (kind) {
    case CommandKind::kGet:
      return "read";
    case CommandKind::kPut:
      return "write";
    case CommandKind::kCas:
      return "cas";
  }
  return "unknown";
}

Value InvokeValue(const ClientOp& op) {
  switch (op.kind) {
    case CommandKind::kGet:
      return Value();
    case CommandKind::kPut:
      return Value::Int(op.value);
    case CommandKind::kCas:
      return Value::Vector({Value::Int(op.expected), Value::Int(op.value)});
  }
  return Value();
}

}  // namespace

std::string WorkloadOptions::ToString() const {
  std::ostringstream out;
  out << "clients=" << clients << " keys=" << keys << " values=0.." << max_value
      << " op_timeout=" << op_timeout.milliseconds()
      << "ms attempt_timeout=" << attempt_timeout.milliseconds()
      << "ms think_max=" << think_max.milliseconds()
      << "ms resolve_timeout=" << resolve_timeout.milliseconds() << "ms mix=r"
      << read_percent << "/w" << write_percent << "/cas"
      << (100 - read_percent - write_percent);
  return out.str();
}

void HistoryRecorder::Invoke(int64_t process, const std::string& f, Value value,
                             const std::string& key) {
  history_.Invoke(process, f, std::move(value), Value::String(key),
                  loop_.Now().nanoseconds());
}

void HistoryRecorder::Complete(int64_t process, OpType type,
                               const std::string& f, Value value,
                               const std::string& key) {
  history_.Complete(process, type, f, std::move(value), Value::String(key),
                    loop_.Now().nanoseconds());
  switch (type) {
    case OpType::kOk:
      ++stats_.ok;
      break;
    case OpType::kFail:
      ++stats_.fail;
      break;
    default:
      ++stats_.info;
      break;
  }
}

RegisterClient::RegisterClient(ClientEnv env, int index,
                               const WorkloadOptions& options,
                               std::vector<core::env::Address> nodes,
                               HistoryRecorder& history)
    : env_(env),
      index_(index),
      options_(options),
      nodes_(std::move(nodes)),
      history_(history),
      prng_(env.seed),
      responses_(env.executor, env.clock, kResponsesQueued),
      process_(index) {
  CHECK(!nodes_.empty());
  preferred_ = prng_.Uniform(nodes_.size());
}

bool RegisterClient::Bind() {
  if (server_ != nullptr) return true;
  const core::env::Address address = "client:" + std::to_string(20000 + index_);
  auto server = store::transport::TransportServer::Start(
      env_.executor, env_.network, {.listen_address = address},
      [this](const core::env::Address&, std::string frame) {
        OnResponse(frame);
      });
  if (!server.ok()) return false;
  server_ = *std::move(server);
  transport_ = std::make_unique<store::transport::Transport>(
      env_.executor, env_.clock, env_.network,
      store::transport::TransportOptions{.local_address = address});
  return true;
}

void RegisterClient::OnResponse(const std::string& frame) {
  auto response = DecodeResponse(frame);
  if (!response.ok()) return;  // Garbage: ignored.
  // Full only with answers nobody waits for any more: drop them.
  (void)responses_.TrySend(*response);
}

ClientOp RegisterClient::NextOp() {
  ClientOp op;
  op.key = "k" + std::to_string(prng_.Uniform(options_.keys));
  const int roll = static_cast<int>(prng_.Uniform(100));
  op.kind = roll < options_.read_percent ? CommandKind::kGet
            : roll < options_.read_percent + options_.write_percent
                ? CommandKind::kPut
                : CommandKind::kCas;
  op.value = prng_.UniformInRange(0, options_.max_value);
  op.expected = prng_.UniformInRange(0, options_.max_value);
  return op;
}

void RegisterClient::RunWorkload(const std::function<bool()>& keep_going) {
  while (keep_going()) {
    const int64_t think_ns = options_.think_max.nanoseconds();
    if (think_ns > 0) {
      env_.executor.SleepFor(Duration::Nanoseconds(static_cast<int64_t>(
          prng_.Uniform(static_cast<uint64_t>(think_ns)))));
    }
    if (!keep_going()) return;
    RunOp(NextOp(), options_.op_timeout);
  }
}

size_t RegisterClient::NextNode(const Response* refusal) {
  if (refusal != nullptr && refusal->leader_hint >= 1 &&
      refusal->leader_hint <= nodes_.size() &&
      refusal->leader_hint - 1 != preferred_) {
    return refusal->leader_hint - 1;
  }
  if (nodes_.size() == 1) return 0;
  return (preferred_ + 1 + prng_.Uniform(nodes_.size() - 1)) % nodes_.size();
}

RegisterClient::Attempt RegisterClient::Try(const Command& command, size_t node,
                                            Duration timeout,
                                            Response* response) {
  const Instant deadline = env_.clock.NowMonotonic() + timeout;
  // Dropped before it left (queue full, node known down): this attempt
  // certainly did nothing, as good as a refusal without a hint.
  if (!transport_->Send(nodes_[node], EncodeCommand(command))) {
    return Attempt::kRefused;
  }
  while (true) {
    const Duration left = deadline - env_.clock.NowMonotonic();
    if (left <= Duration::Zero()) return Attempt::kTimedOut;
    auto decoded = responses_.ReceiveFor(left);
    if (!decoded.ok()) return Attempt::kTimedOut;
    // Answers to earlier attempts of other operations are late: ignore.
    if (decoded->client != command.client || decoded->seq != command.seq) {
      continue;
    }
    *response = *decoded;
    return decoded->outcome == Outcome::kOk ||
                   decoded->outcome == Outcome::kCasFailed
               ? Attempt::kAnswered
               : Attempt::kRefused;
  }
}

bool RegisterClient::RunOp(const ClientOp& op, Duration timeout) {
  const std::string f = FunctionName(op.kind);
  const Value invoke_value = InvokeValue(op);
  const Command command{op.kind,     static_cast<uint64_t>(index_) + 1,
                        next_seq_++, op.key,
                        op.value,    op.expected};
  history_.Invoke(process_, f, invoke_value, op.key);
  if (!Bind()) {
    history_.Complete(process_, OpType::kFail, f, invoke_value, op.key);
    return false;
  }
  Instant deadline = env_.clock.NowMonotonic() + timeout;
  bool maybe_applied = false, resolving = false;
  size_t node = preferred_;
  while (true) {
    const Duration left = deadline - env_.clock.NowMonotonic();
    if (left <= Duration::Zero()) {
      if (resolving || !maybe_applied || op.kind == CommandKind::kGet ||
          options_.resolve_timeout <= Duration::Zero()) {
        break;
      }
      resolving = true;
      deadline = deadline + options_.resolve_timeout;
      continue;
    }
    Response response;
    const Attempt attempt =
        Try(command, node, std::min(left, options_.attempt_timeout), &response);
    if (attempt == Attempt::kAnswered) {
      preferred_ = node;
      if (response.outcome == Outcome::kCasFailed) {
        history_.Complete(process_, OpType::kFail, f, invoke_value, op.key);
        return false;
      }
      const Value value = op.kind != CommandKind::kGet ? invoke_value
                          : response.value.has_value()
                              ? Value::Int(*response.value)
                              : Value();
      history_.Complete(process_, OpType::kOk, f, value, op.key);
      return true;
    }
    if (attempt == Attempt::kTimedOut) maybe_applied = true;
    preferred_ = node;
    node = NextNode(attempt == Attempt::kRefused ? &response : nullptr);
    if (attempt == Attempt::kRefused) {
      env_.executor.SleepFor(Duration::Milliseconds(10));
    }
  }
  // A read has no effect: a timed-out read simply failed.
  if (!maybe_applied || op.kind == CommandKind::kGet) {
    history_.Complete(process_, OpType::kFail, f, invoke_value, op.key);
    return false;
  }
  history_.Complete(process_, OpType::kInfo, f, invoke_value, op.key);
  // Jepsen: a process with an indeterminate op never issues again.
  process_ += options_.clients;
  return false;
}

}  // namespace sim::register_kv
