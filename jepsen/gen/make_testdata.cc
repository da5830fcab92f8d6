// Regenerates the generated sample histories under jepsen/testdata/:
//
//   bazel run //jepsen/gen:make_testdata -- "$PWD/jepsen/testdata"
//
// Each file comes from a reference store with a fixed seed (valid by
// construction) or from one with an injected violation (invalid by
// construction). The expected verdicts are in jepsen/testdata/MANIFEST.
#include <fstream>
#include <iostream>
#include <string>

#include "core/base/prng.h"
#include "jepsen/gen/gen.h"
#include "jepsen/history/writers.h"

namespace {

using jepsen::history::Format;
using jepsen::history::History;

bool Write(const std::string& dir, const std::string& name,
           const std::string& header, const std::string& body) {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out << header << body;
  if (!out) {
    std::cerr << "cannot write " << dir << "/" << name << "\n";
    return false;
  }
  std::cout << "wrote " << name << "\n";
  return true;
}

// One EDN op map per line (Porcupine's kv files look so).
std::string EdnLines(const History& h) {
  std::string lines;
  for (const auto& op : h.ops) lines += jepsen::history::ToEdnOpMap(op) + "\n";
  return lines;
}

// etcd-style: crashed ops complete with :timed-out, as Jepsen's etcd client
// logged them.
History EtcdStyle(History h) {
  for (auto& op : h.ops) {
    if (op.type == jepsen::history::OpType::kInfo) {
      op.value = jepsen::history::Value::Keyword("timed-out");
    }
  }
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_testdata OUTPUT_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  const std::string log_noise =
      "2015-05-28 10:44:01,314{GMT}\tINFO\t[jepsen worker 0] jepsen.core: "
      "Running test\n";

  jepsen::gen::RegisterOptions cas;
  cas.clients.processes = 5;
  cas.clients.operations = 160;
  cas.clients.info_probability = 0.06;
  {
    core::base::Prng prng(95);
    History good = EtcdStyle(jepsen::gen::GenerateRegisterHistory(cas, prng));
    ok &= Write(dir, "etcd_gen_ok.log", log_noise,
                WriteHistory(good, Format::kJepsenLog));
    History bad = good;
    jepsen::gen::CorruptRandomRead(&bad, prng);
    ok &= Write(dir, "etcd_gen_bad.log", log_noise,
                WriteHistory(bad, Format::kJepsenLog));
  }
  {
    core::base::Prng prng(3);
    History good = jepsen::gen::GenerateRegisterHistory(cas, prng);
    ok &= Write(dir, "knossos_gen_good.edn",
                ";; generated cas-register history\n",
                WriteHistory(good, Format::kEdn));
    History bad = good;
    jepsen::gen::AppendStaleRead(&bad);
    ok &= Write(dir, "knossos_gen_bad.edn", ";; ends in a stale read\n",
                WriteHistory(bad, Format::kEdn));
  }
  {
    jepsen::gen::KeyValueOptions kv;
    kv.clients.processes = 10;
    kv.clients.operations = 200;
    kv.clients.info_probability = 0;
    kv.keys = 10;
    core::base::Prng prng(10);
    History good = jepsen::gen::GenerateKeyValueHistory(kv, prng);
    ok &= Write(dir, "kv_c10_ok.edn", "", EdnLines(good));
    History bad = good;
    jepsen::gen::CorruptRandomRead(&bad, prng);
    ok &= Write(dir, "kv_c10_bad.edn", "", EdnLines(bad));
  }
  {
    // Many clients, few keys: the shape of tools/linear_vs_porcupine.sh.
    jepsen::gen::KeyValueOptions kv;
    kv.clients.processes = 50;
    kv.clients.operations = 300;
    kv.clients.info_probability = 0;
    kv.keys = 5;
    kv.violation = jepsen::gen::KvViolation::kStaleRead;
    core::base::Prng stale_prng(50);
    ok &= Write(dir, "kv_c50_stale.edn", "",
                EdnLines(jepsen::gen::GenerateKeyValueHistory(kv, stale_prng)));
    kv.violation = jepsen::gen::KvViolation::kLostAppend;
    core::base::Prng lost_prng(51);
    ok &= Write(dir, "kv_c50_lost.edn", "",
                EdnLines(jepsen::gen::GenerateKeyValueHistory(kv, lost_prng)));
    kv.clients.processes = 100;
    kv.violation = jepsen::gen::KvViolation::kNone;
    core::base::Prng ok_prng(100);
    ok &= Write(dir, "kv_c100_ok.edn", "",
                EdnLines(jepsen::gen::GenerateKeyValueHistory(kv, ok_prng)));
  }
  {
    jepsen::gen::ClientOptions mutex;
    mutex.processes = 4;
    mutex.operations = 60;
    core::base::Prng prng(7);
    ok &= Write(dir, "mutex_gen_ok.edn", "",
                WriteHistory(jepsen::gen::GenerateMutexHistory(mutex, prng),
                             Format::kEdn));
  }
  {
    jepsen::gen::ListAppendOptions txn;
    txn.clients.processes = 5;
    txn.clients.operations = 120;
    txn.clients.fail_probability = 0.05;
    txn.keys = 4;
    core::base::Prng prng(11);
    History good = jepsen::gen::GenerateListAppendHistory(txn, prng);
    ok &= Write(dir, "append_gen_ok.edn", "", EdnLines(good));
    txn.snapshot_isolation = true;
    core::base::Prng si_prng(1);
    ok &=
        Write(dir, "append_gen_si.jsonl", "",
              WriteHistory(jepsen::gen::GenerateListAppendHistory(txn, si_prng),
                           Format::kJsonLines));
    txn.snapshot_isolation = false;
    core::base::Prng rw_prng(12);
    ok &=
        Write(dir, "rw_gen_ok.jsonl", "",
              WriteHistory(jepsen::gen::GenerateRwRegisterHistory(txn, rw_prng),
                           Format::kJsonLines));
  }
  return ok ? 0 : 1;
}
