#include "jepsen/cli/check_main.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "core/base/bytes.h"
#include "core/base/numbers.h"
#include "jepsen/cli/html.h"
#include "jepsen/elle/elle.h"
#include "jepsen/history/cat.h"
#include "jepsen/history/edn.h"
#include "jepsen/history/files.h"
#include "jepsen/history/readers.h"
#include "jepsen/linear/linear.h"

namespace jepsen::cli {
namespace {

constexpr const char* kUsage = R"(usage: check --model=MODEL [options] HISTORY

Checks a Jepsen-style history. HISTORY is EDN op maps (a vector, or one map
per line), Jepsen logger lines (INFO jepsen.util - 3 :invoke :cas [1 4]) or
JSON lines; the format is detected unless --format is given.

Models (linearizability): register, cas-register, multi-register, kv, mutex
Models (transactions):    list-append, rw-register

Options:
  --format=auto|edn|log|jsonl
  --consistency=snapshot-isolation|serializable|strict-serializable
                          transactional models (default strict-serializable)
  --failed-cas=did-not-happen|observed
                          a :fail CAS did not happen (Jepsen, default) or
                          observed a different value (etcd logs)
  --nil-read=absent|unknown
                          an :ok read of nil saw nil (default) or nothing
  --initial=EDN           initial register value, e.g. 0 or {:x 0 :y 0}
  --no-partition          check all keys together instead of per key
  --time-limit=SECONDS    give up with "unknown" after this long, in
                          [0, 1000000000]
  --threads=N             partitions checked in parallel, in [0, 1024]
                          (default 0: one per core)
  --html=FILE             write an HTML timeline of the history (the file is
                          created before the check starts)
  --strict                an empty history is an error, not a warning
  --timing                print the time spent reading and checking
Exit status: 0 valid, 1 invalid, 2 unknown, or an error: a bad command line,
input that cannot be read or that holds no history (the message names the
line), an output file that cannot be written (the message names the path
and the errno), or an empty history with --strict.
)";

struct Flags {
  std::string model;
  std::string path;
  history::Format format = history::Format::kAuto;
  elle::ConsistencyModel consistency =
      elle::ConsistencyModel::kStrictSerializable;
  linear::ModelOptions linear;
  linear::CheckOptions limits;
  std::string html;
  bool strict = false;
  bool timing = false;
};

constexpr int kMaxThreads = 1024;
constexpr double kMaxTimeLimitSeconds = 1e9;

// Parses `--name=value` flags; returns an error message or "".
std::string ParseFlags(const std::vector<std::string>& args, Flags* flags) {
  for (const std::string& arg : args) {
    if (arg.rfind("--", 0) != 0) {
      if (!flags->path.empty())
        return Cat("more than one history file: ",
                   core::base::QuoteExcerpt(arg));
      flags->path = arg;
      continue;
    }
    size_t eq = arg.find('=');
    std::string name =
        arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (name == "no-partition") {
      flags->linear.partition_by_key = false;
    } else if (name == "strict") {
      flags->strict = true;
    } else if (name == "timing") {
      flags->timing = true;
    } else if (eq == std::string::npos) {
      return Cat("flag ", core::base::QuoteExcerpt(arg),
                 " needs a value (--name=...)");
    } else if (name == "model") {
      flags->model = value;
    } else if (name == "format") {
      auto f = history::ParseFormatName(value);
      if (!f) return Cat("unknown --format ", core::base::QuoteExcerpt(value));
      flags->format = *f;
    } else if (name == "consistency") {
      auto c = elle::ParseConsistencyModel(value);
      if (!c)
        return Cat("unknown --consistency ", core::base::QuoteExcerpt(value));
      flags->consistency = *c;
    } else if (name == "failed-cas") {
      if (value != "did-not-happen" && value != "observed")
        return "--failed-cas must be did-not-happen or observed";
      flags->linear.failed_cas = value == "observed"
                                     ? linear::FailedCas::kObservedCompareFail
                                     : linear::FailedCas::kDidNotHappen;
    } else if (name == "nil-read") {
      if (value != "absent" && value != "unknown")
        return "--nil-read must be absent or unknown";
      flags->linear.nil_read = value == "unknown" ? linear::NilRead::kUnknown
                                                  : linear::NilRead::kAbsent;
    } else if (name == "initial") {
      absl::StatusOr<std::vector<history::Value>> forms =
          history::ParseEdn(value);
      if (!forms.ok() || forms->size() != 1)
        return Cat("--initial must be one EDN value: ",
                   core::base::QuoteExcerpt(value));
      flags->linear.initial = (*forms)[0];
    } else if (name == "time-limit") {
      char* end = nullptr;
      double seconds = std::strtod(value.c_str(), &end);
      // Written this way round, NaN fails the range test too.
      if (end == value.c_str() || *end != '\0' ||
          !(seconds >= 0 && seconds <= kMaxTimeLimitSeconds))
        return Cat("--time-limit: got ", core::base::QuoteExcerpt(value),
                   ", want seconds in [0, 1000000000]");
      flags->limits.time_limit = absl::Seconds(seconds);
    } else if (name == "threads") {
      std::optional<int> threads =
          core::base::ParseInteger<int>(value, 0, kMaxThreads);
      if (!threads)
        return Cat("--threads: got ", core::base::QuoteExcerpt(value),
                   ", want a count in [0, ", kMaxThreads, "]");
      flags->limits.threads = *threads;
    } else if (name == "html") {
      flags->html = value;
    } else {
      return Cat("unknown flag ", core::base::QuoteExcerpt(arg));
    }
  }
  if (flags->model.empty()) return "--model is required";
  if (flags->path.empty()) return "no history file given";
  return "";
}

// Writes the timeline into the --html file opened before the check.
bool WriteHtml(std::optional<history::OutputFile>& html,
               const std::string& contents, std::ostream& err) {
  absl::Status status = html->WriteAndClose(contents);
  if (!status.ok()) {
    err << "check: --html: " << status.message() << "\n";
    return false;
  }
  return true;
}

// The history file's name as messages quote it.
std::string QuotedPath(const Flags& flags) {
  return core::base::QuoteExcerpt(flags.path, core::base::kPathExcerptBytes);
}

int CheckLinear(const Flags& flags, linear::ModelKind kind,
                const history::History& history,
                std::optional<history::OutputFile>& html, std::ostream& out,
                std::ostream& err) {
  linear::ModelOptions model = flags.linear;
  model.kind = kind;
  absl::StatusOr<linear::Result> result =
      linear::Check(history, model, flags.limits);
  if (!result.ok()) {
    err << "check: " << QuotedPath(flags) << ": " << result.status().message()
        << "\n";
    return kExitUnknownOrError;
  }
  out << "verdict: " << linear::ValidityName(result->validity) << "\n"
      << "operations: " << result->operations << " in " << result->partitions
      << " partitions\n"
      << "configurations: " << result->cache_entries << "\n"
      << result->explanation << "\n";
  if (html.has_value()) {
    TimelineOptions timeline;
    timeline.title =
        Cat(flags.path, ": ", linear::ValidityName(result->validity), " (",
            linear::ModelKindName(kind), ")");
    timeline.summary = result->explanation;
    if (result->validity == linear::Validity::kInvalid) {
      timeline.blamed.insert(result->failed_invoke);
      // The tail of the prefix: the ops the explanation lists.
      const auto& prefix = result->linearized_prefix;
      timeline.related.insert(
          prefix.end() -
              static_cast<ptrdiff_t>(std::min<size_t>(prefix.size(), 12)),
          prefix.end());
    }
    if (!WriteHtml(html, RenderTimeline(history, timeline), err))
      return kExitUnknownOrError;
  }
  switch (result->validity) {
    case linear::Validity::kValid:
      return kExitValid;
    case linear::Validity::kInvalid:
      return kExitInvalid;
    case linear::Validity::kUnknown:
      return kExitUnknownOrError;
  }
  return kExitUnknownOrError;
}

int CheckElle(const Flags& flags, elle::Workload workload,
              const history::History& history,
              std::optional<history::OutputFile>& html, std::ostream& out,
              std::ostream& err) {
  elle::Options options;
  options.workload = workload;
  options.model = flags.consistency;
  absl::StatusOr<elle::Result> result = elle::Check(history, options);
  if (!result.ok()) {
    err << "check: " << QuotedPath(flags) << ": " << result.status().message()
        << "\n";
    return kExitUnknownOrError;
  }
  out << "verdict: " << (result->valid ? "valid" : "invalid") << "\n";
  out << "anomaly-types:";
  for (const std::string& type : result->anomaly_types) out << " " << type;
  out << "\nnot:";
  for (const std::string& model : result->not_models) out << " " << model;
  out << "\n" << result->explanation << "\n";
  if (html.has_value()) {
    TimelineOptions timeline;
    timeline.title =
        Cat(flags.path, ": ", result->valid ? "valid" : "invalid", " (",
            elle::ConsistencyModelName(flags.consistency), ")");
    timeline.summary = result->explanation;
    for (const elle::Anomaly& a : result->anomalies) {
      if (!elle::Proscribes(flags.consistency, a.type)) continue;
      (timeline.blamed.empty() ? timeline.blamed : timeline.related)
          .insert(a.ops.begin(), a.ops.end());
    }
    if (!WriteHtml(html, RenderTimeline(history, timeline), err))
      return kExitUnknownOrError;
  }
  return result->valid ? kExitValid : kExitInvalid;
}

}  // namespace

int RunCheck(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return kExitValid;
    }
  }
  Flags flags;
  std::string problem = ParseFlags(args, &flags);
  std::optional<linear::ModelKind> linear_kind =
      linear::ParseModelKind(flags.model);
  std::optional<elle::Workload> workload = elle::ParseWorkload(flags.model);
  if (problem.empty() && !linear_kind && !workload)
    problem = Cat("unknown --model ", core::base::QuoteExcerpt(flags.model));
  if (!problem.empty()) {
    err << "check: " << problem << "\n" << kUsage;
    return kExitUnknownOrError;
  }
  // Created before the (possibly long) check, so that a path that cannot be
  // written fails now, not after the verdict.
  std::optional<history::OutputFile> html;
  if (!flags.html.empty()) {
    absl::StatusOr<history::OutputFile> file =
        history::OutputFile::Open(flags.html);
    if (!file.ok()) {
      err << "check: --html: " << file.status().message() << "\n";
      return kExitUnknownOrError;
    }
    html = *std::move(file);
  }
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<history::History> history =
      history::ReadHistoryFile(flags.path, flags.format);
  if (!history.ok()) {
    err << "check: " << history.status().message() << "\n";
    return kExitUnknownOrError;
  }
  const auto read = std::chrono::steady_clock::now();
  if (history->ops.empty()) {
    err << "check: " << (flags.strict ? "error" : "warning") << ": "
        << QuotedPath(flags) << " holds no operations\n";
    if (flags.strict) return kExitUnknownOrError;
  }
  out << "history: " << flags.path << " (" << history->ops.size()
      << " events)\n"
      << "model: " << flags.model << "\n";
  const int exit =
      linear_kind ? CheckLinear(flags, *linear_kind, *history, html, out, err)
                  : CheckElle(flags, *workload, *history, html, out, err);
  if (flags.timing) {
    using Ms = std::chrono::duration<double, std::milli>;
    const Ms took = std::chrono::steady_clock::now() - start;
    out << "time: " << took.count() << " ms (read and check; reading "
        << Ms(read - start).count() << " ms)\n";
  }
  return exit;
}

}  // namespace jepsen::cli
