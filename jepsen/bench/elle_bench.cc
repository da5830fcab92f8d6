// Elle checker benchmarks: list-append transactions per second under
// snapshot isolation (target >= 100,000 txn/s; Elle's own README claims
// 100-160k txn/s), plus strict serializability (adds process and real-time
// edges) and rw-register for reference. History generation and parsing are
// not timed; a JSON-lines parse of the same history is reported separately.
//
//   bazel run --config=opt //jepsen/bench:elle_bench [-- --quick]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/base/prng.h"
#include "jepsen/elle/elle.h"
#include "jepsen/gen/gen.h"
#include "jepsen/history/json_lines.h"

namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Process CPU time in seconds (the machine may be shared; wall time is the
// figure judged against the target, CPU time shows the cost without load).
double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
             1e6;
}

bool Measure(const char* label, const jepsen::history::History& h,
             jepsen::elle::Workload w, jepsen::elle::ConsistencyModel model,
             double target_per_second) {
  jepsen::elle::Options options;
  options.workload = w;
  options.model = model;
  auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  absl::StatusOr<jepsen::elle::Result> r = jepsen::elle::Check(h, options);
  double s = Seconds(std::chrono::steady_clock::now() - start);
  double cpu = CpuSeconds() - cpu_start;
  if (!r.ok()) {
    std::fprintf(stderr, "check failed: %s\n",
                 std::string(r.status().message()).c_str());
    return false;
  }
  double rate = static_cast<double>(r->transactions) / s;
  bool ok = r->valid && rate >= target_per_second;
  std::printf("%s: %zu txns, %s in %.1f ms wall (%.1f ms CPU) = %.0f txn/s",
              label, r->transactions, r->valid ? "valid" : "INVALID", s * 1000,
              cpu * 1000, rate);
  if (target_per_second > 0) {
    std::printf(" (target >= %.0f txn/s) %s", target_per_second,
                ok ? "PASS" : "FAIL");
  }
  std::printf("\n");
  return target_per_second > 0 ? ok : r->valid;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  std::printf("elle_bench%s\n", quick ? " (quick)" : "");
  jepsen::gen::ListAppendOptions o;
  o.clients.processes = 20;
  o.clients.operations = quick ? 10000 : 200000;
  o.clients.info_probability = 0.01;
  o.clients.fail_probability = 0.02;
  o.keys = 50;
  o.max_txn_length = 4;
  o.max_writes_per_key = 32;  // Jepsen append workloads rotate keys similarly
  core::base::Prng prng(42);
  jepsen::history::History append =
      jepsen::gen::GenerateListAppendHistory(o, prng);
  const double target = 100000;
  bool ok = Measure("list-append, snapshot-isolation", append,
                    jepsen::elle::Workload::kListAppend,
                    jepsen::elle::ConsistencyModel::kSnapshotIsolation, target);
  ok = Measure("list-append, strict-serializable", append,
               jepsen::elle::Workload::kListAppend,
               jepsen::elle::ConsistencyModel::kStrictSerializable, 0) &&
       ok;
  jepsen::history::History rw = jepsen::gen::GenerateRwRegisterHistory(o, prng);
  ok = Measure("rw-register, snapshot-isolation", rw,
               jepsen::elle::Workload::kRwRegister,
               jepsen::elle::ConsistencyModel::kSnapshotIsolation, 0) &&
       ok;

  std::string text = jepsen::history::ToJsonLines(append);
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<jepsen::history::History> parsed =
      jepsen::history::ParseJsonLines(text);
  double s = Seconds(std::chrono::steady_clock::now() - start);
  std::printf(
      "JSON-lines parse of the list-append history: %zu events, %.1f MB in "
      "%.1f ms\n",
      parsed.ok() ? parsed->ops.size() : 0, text.size() / 1e6, s * 1000);
  return ok && parsed.ok() ? 0 : 1;
}
