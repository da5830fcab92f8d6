#include "jepsen/gen/gen.h"

#include "core/base/check.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jepsen::gen {
namespace {

using core::base::Prng;
using history::History;
using history::OpType;
using history::Value;

struct Planned {
  std::string f;
  std::optional<Value> key;
  Value input;
};

struct Applied {
  bool failed = false;  // complete :fail; the store must be unchanged
  Value output;
};

// A reference store plus the operations clients issue against it.
class Workload {
 public:
  virtual ~Workload() = default;
  virtual Planned Plan(int64_t process, Prng& prng) = 0;
  // Called at the invocation (snapshot-taking stores use it).
  virtual void OnInvoke(int client, const Planned& op) {}
  // Called at the completion, with its type.
  virtual void OnComplete(int client, OpType type) {}
  // The operation's linearization (or commit) point.
  virtual Applied Apply(int client, int64_t process, const Planned& op,
                        Prng& prng) = 0;
};

History RunClients(Workload& workload, const ClientOptions& options,
                   Prng& prng) {
  enum class Phase { kIdle, kInvoked, kApplied };
  struct Client {
    int64_t process = 0;
    Phase phase = Phase::kIdle;
    Planned op;
    Applied result;
  };
  std::vector<Client> clients;
  for (int i = 0; i < options.processes; ++i) {
    Client client;
    client.process = i;
    clients.push_back(std::move(client));
  }
  History history;
  int started = 0;
  int busy = 0;
  int64_t now = 0;
  while (started < options.operations || busy > 0) {
    const int i = static_cast<int>(prng.Uniform(clients.size()));
    Client& c = clients[static_cast<size_t>(i)];
    now += options.step_time_ns;
    if (c.phase == Phase::kIdle) {
      if (started >= options.operations) continue;
      c.op = workload.Plan(c.process, prng);
      history.Invoke(c.process, c.op.f, c.op.input, c.op.key, now);
      workload.OnInvoke(i, c.op);
      c.phase = Phase::kInvoked;
      ++started;
      ++busy;
    } else if (c.phase == Phase::kInvoked) {
      if (prng.Bernoulli(options.info_probability /
                         2)) {  // crashed before applying
        history.Complete(c.process, OpType::kInfo, c.op.f, c.op.input, c.op.key,
                         now);
        workload.OnComplete(i, OpType::kInfo);
        c.process += options.processes;
        c.phase = Phase::kIdle;
        --busy;
        continue;
      }
      c.result = workload.Apply(i, c.process, c.op, prng);
      if (c.result.failed) {
        history.Complete(c.process, OpType::kFail, c.op.f, c.op.input, c.op.key,
                         now);
        workload.OnComplete(i, OpType::kFail);
        c.phase = Phase::kIdle;
        --busy;
      } else {
        c.phase = Phase::kApplied;
      }
    } else {
      bool crash = prng.Bernoulli(options.info_probability / 2);
      history.Complete(c.process, crash ? OpType::kInfo : OpType::kOk, c.op.f,
                       crash ? c.op.input : c.result.output, c.op.key, now);
      workload.OnComplete(i, crash ? OpType::kInfo : OpType::kOk);
      if (crash) c.process += options.processes;
      c.phase = Phase::kIdle;
      --busy;
    }
  }
  return history;
}

class RegisterWorkload : public Workload {
 public:
  explicit RegisterWorkload(const RegisterOptions& o) : o_(o) {}

  Planned Plan(int64_t, Prng& prng) override {
    Planned op;
    if (o_.keys > 1)
      op.key = Value::Int(static_cast<int64_t>(prng.Uniform(o_.keys)));
    uint64_t kinds = o_.cas ? 3 : 2;
    switch (prng.Uniform(kinds)) {
      case 0:
        op.f = "read";
        break;
      case 1:
        op.f = "write";
        op.input = RandomValue(prng);
        break;
      default:
        op.f = "cas";
        op.input = Value::Vector({RandomValue(prng), RandomValue(prng)});
    }
    return op;
  }

  Applied Apply(int, int64_t, const Planned& op, Prng& prng) override {
    Value& cell = cells_[op.key.value_or(Value())];
    Applied result;
    if (op.f == "read") {
      result.output = cell;
    } else if (op.f == "write") {
      if (prng.Bernoulli(o_.clients.fail_probability))
        return Applied{true, Value()};
      cell = op.input;
      result.output = op.input;
    } else {
      if (cell != op.input.items()[0]) return Applied{true, Value()};
      cell = op.input.items()[1];
      result.output = op.input;
    }
    return result;
  }

 private:
  Value RandomValue(Prng& prng) {
    return Value::Int(static_cast<int64_t>(prng.Uniform(o_.values)));
  }

  RegisterOptions o_;
  std::map<Value, Value> cells_;
};

// get / put / append on strings. Each modification appends or puts a value
// no other op uses ("x <process> <serial> y"), so a key's states never
// repeat. With a violation to plant (KvViolation), it also keeps the
// modifications of each key until the violation is planted.
class KeyValueWorkload : public Workload {
 public:
  explicit KeyValueWorkload(const KeyValueOptions& o)
      : o_(o), clients_(static_cast<size_t>(o.clients.processes)) {
    plant_after_ = static_cast<int64_t>(
        o.violation_after * static_cast<double>(o.clients.operations));
  }

  Planned Plan(int64_t process, Prng& prng) override {
    ++planned_;
    Planned op;
    op.key = Value::String(std::to_string(prng.Uniform(o_.keys)));
    if (prng.Bernoulli(o_.put_fraction)) {
      op.f = "put";
    } else {
      op.f = prng.OneIn(2) ? "get" : "append";
    }
    if (op.f != "get") {
      op.input = Value::String("x " + std::to_string(process) + " " +
                               std::to_string(next_++) + " y");
    }
    return op;
  }

  void OnInvoke(int client, const Planned&) override {
    Client& c = clients_[static_cast<size_t>(client)];
    c.invoke_tick = ++tick_;
    c.mod = -1;
    c.put = -1;
  }

  Applied Apply(int client, int64_t, const Planned& op, Prng&) override {
    ++tick_;
    Client& c = clients_[static_cast<size_t>(client)];
    const std::string& key = op.key->text();
    std::string& cell = cells_[key];
    if (op.f == "get")
      return Applied{false, Value::String(Observe(client, key))};
    if (Recording() && op.f == "append" && TryLoseAppend(client, key))
      return Applied{false, op.input};
    if (Recording()) Record(c, key);
    if (op.f == "put") {
      c.key = key;
      c.put = static_cast<int64_t>(puts_[key].size());
      puts_[key].push_back(Put{c.invoke_tick, -1});
      if (lost_ && lost_->key == key) {  // the put hides it from later gets
        if (planting_get_) {
          lost_->masked = true;
        } else {
          lost_.reset();
        }
      }
      cell = op.input.text();
    }
    if (op.f == "append") cell += op.input.text();
    return Applied{false, op.input};
  }

  void OnComplete(int client, OpType type) override {
    ++tick_;
    Client& c = clients_[static_cast<size_t>(client)];
    if (type == OpType::kOk && c.mod >= 0)
      mods_[c.key][static_cast<size_t>(c.mod)].ok_tick = tick_;
    if (type == OpType::kOk && c.put >= 0)
      puts_[c.key][static_cast<size_t>(c.put)].ok_tick = tick_;
    if (planting_get_ == client) {
      // The planted read counts once it is acknowledged; a get that
      // crashed observed nothing, so another one must do.
      planting_get_.reset();
      planted_ = type == OpType::kOk;
      if (!planted_ && lost_ && lost_->masked) lost_.reset();
    }
    if (lost_ && lost_->client == client && lost_->ok_tick < 0) {
      if (type == OpType::kOk) {
        lost_->ok_tick = tick_;
      } else {
        lost_.reset();  // an :info append may never have happened
      }
    }
  }

  bool planted() const { return planted_; }

 private:
  struct Client {
    int64_t invoke_tick = 0;
    std::string key;
    int64_t mod = -1;  // index in mods_[key] of the op in flight, if any
    int64_t put = -1;  // index in puts_[key] of the put in flight, if any
  };
  struct Put {
    int64_t invoke_tick = 0;
    int64_t ok_tick = -1;  // -1 until it completes :ok
  };
  struct Mod {
    std::string before;  // the key's value before it
    int64_t invoke_tick = 0;
    int64_t ok_tick = -1;   // -1 until it completes :ok
    int64_t last_put = -1;  // the put applied last before it, in puts_[key]
  };
  struct LostAppend {
    int client = 0;
    std::string key;
    int64_t ok_tick = -1;
    bool masked = false;  // a put came after it: later gets prove nothing
  };

  bool Recording() const {
    return o_.violation != KvViolation::kNone && !planted_ &&
           planned_ > plant_after_;
  }

  // The index in puts_[key] of the key's last applied put, or -1.
  int64_t LastPut(const std::string& key) {
    return static_cast<int64_t>(puts_[key].size()) - 1;
  }

  void Record(Client& c, const std::string& key) {
    std::vector<Mod>& mods = mods_[key];
    c.key = key;
    c.mod = static_cast<int64_t>(mods.size());
    mods.push_back(Mod{cells_[key], c.invoke_tick, -1, LastPut(key)});
  }

  // Whether `put_index` (in puts_[key], or -1 for none) completed :ok
  // before `tick`.
  bool PutDoneBefore(const std::string& key, int64_t put_index, int64_t tick) {
    if (put_index < 0) return true;
    const Put& put = puts_[key][static_cast<size_t>(put_index)];
    return put.ok_tick >= 0 && put.ok_tick < tick;
  }

  // Drops an append, if none is dropped yet and the key's last put finished
  // before this append began (else that put could be ordered after the
  // append, and a read without it would be legal).
  bool TryLoseAppend(int client, const std::string& key) {
    if (o_.violation != KvViolation::kLostAppend || lost_) return false;
    const Client& c = clients_[static_cast<size_t>(client)];
    if (!PutDoneBefore(key, LastPut(key), c.invoke_tick)) return false;
    lost_ = LostAppend{client, key, -1, false};
    return true;
  }

  // The value a get returns: the key's value, or the planted stale one.
  //
  // Stale read: the value before a modification m that completed before
  // the get began, where the key's last put before m completed before m
  // began. Any linearization then orders m before the get, and after m the
  // value holds m's text until a put resets it; a put that leads to the
  // stale value would have to be that last put, which must precede m. So
  // the get cannot see it.
  //
  // Lost append: a get that begins after the dropped append completed and
  // sees the key without it, with no put applied since (Record drops the
  // plan when one is): by the same argument, invalid.
  //
  // Either counts once the get completes :ok (OnComplete).
  std::string Observe(int client, const std::string& key) {
    const std::string& value = cells_[key];
    if (!Recording() || planting_get_) return value;
    const Client& get = clients_[static_cast<size_t>(client)];
    if (o_.violation == KvViolation::kLostAppend) {
      if (lost_ && lost_->key == key && !lost_->masked && lost_->ok_tick >= 0 &&
          lost_->ok_tick < get.invoke_tick)
        planting_get_ = client;
      return value;
    }
    std::vector<Mod>& mods = mods_[key];
    for (size_t i = mods.size(); i-- > 0;) {
      const Mod& m = mods[i];
      if (m.ok_tick < 0 || m.ok_tick >= get.invoke_tick) continue;
      if (!PutDoneBefore(key, m.last_put, m.invoke_tick)) return value;
      planting_get_ = client;
      return m.before;
    }
    return value;
  }

  KeyValueOptions o_;
  std::vector<Client> clients_;
  int64_t next_ = 0;
  int64_t planned_ = 0;
  int64_t plant_after_ = 0;
  int64_t tick_ = 0;
  bool planted_ = false;
  std::optional<int> planting_get_;  // the client of the planted get
  std::map<std::string, std::string> cells_;
  std::map<std::string, std::vector<Mod>> mods_;
  std::map<std::string, std::vector<Put>> puts_;  // every put, in order
  std::optional<LostAppend> lost_;
};

class MutexWorkload : public Workload {
 public:
  Planned Plan(int64_t process, Prng&) override {
    return Planned{holder_ == process ? "release" : "acquire", std::nullopt,
                   Value()};
  }
  Applied Apply(int, int64_t process, const Planned& op, Prng&) override {
    if (op.f == "acquire") {
      if (holder_ != -1) return Applied{true, Value()};
      holder_ = process;
    } else {
      if (holder_ != process) return Applied{true, Value()};
      holder_ = -1;
    }
    return Applied{false, Value()};
  }

 private:
  int64_t holder_ = -1;
};

// List-append (or rw-register) transactions over a store that is either
// strictly serializable (apply everything at one instant) or snapshot
// isolated (read a snapshot taken at invocation, commit at the apply step).
class TxnWorkload : public Workload {
 public:
  TxnWorkload(const ListAppendOptions& o, bool list_append)
      : o_(o), list_append_(list_append), snapshots_(o.clients.processes) {
    for (int k = 0; k < o.keys; ++k) active_.push_back(k);
  }

  Planned Plan(int64_t, Prng& prng) override {
    Planned op;
    op.f = "txn";
    std::vector<Value> micro;
    int n = 1 + static_cast<int>(prng.Uniform(o_.max_txn_length));
    for (int i = 0; i < n; ++i) {
      const size_t slot = prng.Uniform(active_.size());
      const int64_t key = active_[slot];
      if (prng.OneIn(2)) {
        micro.push_back(
            Value::Vector({Value::Keyword("r"), Value::Int(key), Value()}));
      } else {
        micro.push_back(
            Value::Vector({Value::Keyword(list_append_ ? "append" : "w"),
                           Value::Int(key), Value::Int(++next_value_[key])}));
        if (o_.max_writes_per_key > 0 &&
            next_value_[key] >= o_.max_writes_per_key) {
          active_[slot] = next_key_++;  // retire the key
        }
      }
    }
    op.input = Value::Vector(std::move(micro));
    return op;
  }

  void OnInvoke(int client, const Planned&) override {
    if (!o_.snapshot_isolation) return;
    snapshots_[static_cast<size_t>(client)] = Snapshot{state_, versions_};
  }

  Applied Apply(int client, int64_t, const Planned& op, Prng& prng) override {
    if (prng.Bernoulli(o_.clients.fail_probability))
      return Applied{true, Value()};
    const bool si = o_.snapshot_isolation;
    const Snapshot& snap = snapshots_[static_cast<size_t>(client)];
    // Reads see the snapshot (SI) or the current state (strict), plus the
    // transaction's own earlier writes.
    const std::map<int64_t, std::vector<int64_t>>& base =
        si ? snap.state : state_;
    std::map<int64_t, std::vector<int64_t>> written;  // key -> own writes
    std::vector<Value> out;
    for (const Value& micro : op.input.items()) {
      int64_t key = micro.items()[1].int_value();
      if (micro.items()[0].text() == "r") {
        auto it = base.find(key);
        std::vector<int64_t> seen;
        if (it != base.end()) seen = it->second;
        auto own = written.find(key);
        if (own != written.end()) {
          seen.insert(seen.end(), own->second.begin(), own->second.end());
        }
        out.push_back(Value::Vector(
            {micro.items()[0], micro.items()[1], ReadValue(seen)}));
      } else {
        written[key].push_back(micro.items()[2].int_value());
        out.push_back(micro);
      }
    }
    if (si && !o_.lose_updates) {
      for (const auto& [key, values] : written) {
        if (versions_[key] != snap.versions.at_or(key))
          return Applied{true, Value()};
      }
    }
    for (const auto& [key, values] : written) {
      std::vector<int64_t>& list = state_[key];
      if (list_append_) {
        list.insert(list.end(), values.begin(), values.end());
      } else {
        list = {values.back()};
      }
      ++versions_[key];
    }
    return Applied{false, Value::Vector(std::move(out))};
  }

 private:
  struct Versions : std::map<int64_t, int64_t> {
    int64_t at_or(int64_t key) const {
      auto it = find(key);
      return it == end() ? 0 : it->second;
    }
  };
  struct Snapshot {
    std::map<int64_t, std::vector<int64_t>> state;
    Versions versions;
  };

  Value ReadValue(const std::vector<int64_t>& list) const {
    if (!list_append_) return list.empty() ? Value() : Value::Int(list.back());
    std::vector<Value> items;
    for (int64_t v : list) items.push_back(Value::Int(v));
    return Value::Vector(std::move(items));
  }

  ListAppendOptions o_;
  bool list_append_;
  std::vector<int64_t> active_;
  int64_t next_key_ = 1'000'000;  // fresh keys replace retired ones
  std::map<int64_t, int64_t> next_value_;
  std::map<int64_t, std::vector<int64_t>>
      state_;  // rw-register keeps one value
  Versions versions_;
  std::vector<Snapshot> snapshots_;
};

int64_t NextProcess(const History& history) {
  int64_t max = -1;
  for (const history::Op& op : history.ops) max = std::max(max, op.process);
  return max + 1;
}

}  // namespace

History GenerateRegisterHistory(const RegisterOptions& options, Prng& prng) {
  RegisterWorkload workload(options);
  return RunClients(workload, options.clients, prng);
}

History GenerateKeyValueHistory(const KeyValueOptions& options, Prng& prng) {
  KeyValueWorkload workload(options);
  History history = RunClients(workload, options.clients, prng);
  CHECK(options.violation == KvViolation::kNone || workload.planted())
      << "no chance to plant the violation; use PlantKeyValueViolation";
  return history;
}

std::optional<History> PlantKeyValueViolation(const KeyValueOptions& options,
                                              Prng& prng) {
  CHECK(options.violation != KvViolation::kNone);
  KeyValueWorkload workload(options);
  History history = RunClients(workload, options.clients, prng);
  if (!workload.planted()) return std::nullopt;
  return history;
}

History GenerateMutexHistory(const ClientOptions& options, Prng& prng) {
  MutexWorkload workload;
  return RunClients(workload, options, prng);
}

History GenerateListAppendHistory(const ListAppendOptions& options,
                                  Prng& prng) {
  TxnWorkload workload(options, /*list_append=*/true);
  return RunClients(workload, options.clients, prng);
}

History GenerateRwRegisterHistory(const ListAppendOptions& options,
                                  Prng& prng) {
  TxnWorkload workload(options, /*list_append=*/false);
  return RunClients(workload, options.clients, prng);
}

bool CorruptRandomRead(History* history, Prng& prng) {
  std::vector<size_t> reads;
  for (size_t i = 0; i < history->ops.size(); ++i) {
    const history::Op& op = history->ops[i];
    if (op.type == OpType::kOk && (op.f == "read" || op.f == "get"))
      reads.push_back(i);
  }
  if (reads.empty()) return false;
  history::Op& op = history->ops[reads[prng.Uniform(reads.size())]];
  // No generated op ever writes these values.
  op.value =
      op.f == "get" ? Value::String("garbage Z") : Value::Int(1'000'000'007);
  return true;
}

void AppendStaleRead(History* history, std::optional<Value> key) {
  const int64_t p = NextProcess(*history);
  const Value a = Value::Int(2'000'000'001);
  const Value b = Value::Int(2'000'000'002);
  history->Invoke(p, "write", a, key);
  history->Complete(p, OpType::kOk, "write", a, key);
  history->Invoke(p, "write", b, key);
  history->Complete(p, OpType::kOk, "write", b, key);
  history->Invoke(p, "read", Value(), key);
  history->Complete(p, OpType::kOk, "read", a, key);
}

bool InjectAbortedRead(History* history) {
  for (const history::Op& op : history->ops) {
    if (op.type != OpType::kFail || op.f != "txn" || !op.value.is_vector())
      continue;
    for (const Value& micro : op.value.items()) {
      if (micro.items()[0].text() != "append") continue;
      const int64_t p = NextProcess(*history);
      Value key = micro.items()[1];
      Value read_invoke =
          Value::Vector({Value::Vector({Value::Keyword("r"), key, Value()})});
      Value read_ok = Value::Vector({Value::Vector(
          {Value::Keyword("r"), key, Value::Vector({micro.items()[2]})})});
      history->Invoke(p, "txn", read_invoke);
      history->Complete(p, OpType::kOk, "txn", read_ok);
      return true;
    }
  }
  return false;
}

void InjectLostUpdate(History* history) {
  const int64_t p = NextProcess(*history);
  const Value key = Value::Int(-1);  // generated keys are never negative
  auto txn = [&](const Value& read, int64_t element) {
    return Value::Vector(
        {Value::Vector({Value::Keyword("r"), key, read}),
         Value::Vector({Value::Keyword("append"), key, Value::Int(element)})});
  };
  history->Invoke(p, "txn", txn(Value(), 1));
  history->Invoke(p + 1, "txn", txn(Value(), 2));
  history->Complete(p, OpType::kOk, "txn", txn(Value::Vector({}), 1));
  history->Complete(p + 1, OpType::kOk, "txn", txn(Value::Vector({}), 2));
}

}  // namespace jepsen::gen
