// Writes the key-value histories that tools/linear_vs_porcupine.sh checks
// with our checker and with Porcupine: get / put / append on 10 keys (the
// shape of Porcupine's kv corpus, c10 / c50 files) from 10, 50 and 100
// concurrent clients, at several lengths, each valid (`ok`), with a planted
// stale read (`stale`) and with a planted lost append (`lost`), planted
// half-way through (jepsen/gen: KvViolation). One file per line on stdout:
//
//   NAME<TAB>EXPECTED_VERDICT
//
//   make_kv_corpus [--quick] OUTPUT_DIR
//
// --quick writes the 500-operation files only. Fixed seeds: the same files
// every run.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/base/prng.h"
#include "jepsen/gen/gen.h"
#include "jepsen/history/writers.h"

namespace {

using jepsen::gen::KvViolation;

struct Variant {
  const char* name;
  KvViolation violation;
};

// The first seed from `seed` on whose run the violation could be planted.
jepsen::history::History Generate(jepsen::gen::KeyValueOptions options,
                                  uint64_t seed) {
  for (;; ++seed) {
    core::base::Prng prng(seed);
    if (options.violation == KvViolation::kNone)
      return jepsen::gen::GenerateKeyValueHistory(options, prng);
    std::optional<jepsen::history::History> h =
        jepsen::gen::PlantKeyValueViolation(options, prng);
    if (h) return *h;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc == 3 && std::strcmp(argv[1], "--quick") == 0;
  if (argc != 2 && !quick) {
    std::fprintf(stderr, "usage: make_kv_corpus [--quick] OUTPUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[argc - 1];
  const Variant variants[] = {{"ok", KvViolation::kNone},
                              {"stale", KvViolation::kStaleRead},
                              {"lost", KvViolation::kLostAppend}};
  const std::vector<int> lengths =
      quick ? std::vector<int>{500} : std::vector<int>{1000, 2000, 4000};
  for (int clients : {10, 50, 100}) {
    for (int operations : lengths) {
      for (const Variant& variant : variants) {
        jepsen::gen::KeyValueOptions o;
        o.clients.processes = clients;
        o.clients.operations = operations;
        o.clients.info_probability = 0;  // as in Porcupine's corpus
        o.keys = 10;
        o.violation = variant.violation;
        const uint64_t seed =
            static_cast<uint64_t>(clients * 100'000 + operations * 10) +
            static_cast<uint64_t>(variant.violation);
        const std::string name = "kv_c" + std::to_string(clients) + "_n" +
                                 std::to_string(operations) + "_" +
                                 variant.name + ".edn";
        std::ofstream out(dir + "/" + name, std::ios::binary);
        out << jepsen::history::WriteHistory(Generate(o, seed),
                                             jepsen::history::Format::kEdn);
        if (!out) {
          std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(),
                       name.c_str());
          return 1;
        }
        std::printf(
            "%s\t%s\n", name.c_str(),
            variant.violation == KvViolation::kNone ? "valid" : "invalid");
      }
    }
  }
  return 0;
}
