// End-to-end checks of the `check` command: every sample in
// jepsen/testdata/MANIFEST gives its expected exit status and output, the
// HTML timeline is self-contained and highlights the failing op, and bad
// command lines, unreadable or unrecognisable input and unwritable output
// are errors (exit 2) with a message naming the problem (issue 22; the
// same cases against the binary: bad_input_test.sh).
#include "jepsen/cli/check_main.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "jepsen/cli/html.h"

namespace jepsen::cli {
namespace {

constexpr const char* kData = "jepsen/testdata/";

struct CheckRun {
  int exit;
  std::string out;
  std::string err;
};

CheckRun Check(std::vector<std::string> args) {
  std::ostringstream out, err;
  int exit = RunCheck(args, out, err);
  return CheckRun{exit, out.str(), err.str()};
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);)
    parts.push_back(Trim(part));
  return parts;
}

TEST(CheckMainTest, EverySampleGivesItsExpectedVerdict) {
  std::ifstream manifest(std::string(kData) + "MANIFEST");
  ASSERT_TRUE(manifest) << "missing MANIFEST";
  int cases = 0;
  for (std::string line; std::getline(manifest, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = Split(line, '|');
    ASSERT_EQ(fields.size(), 4u) << line;
    std::vector<std::string> args;
    // Flags are space separated; "--initial={:x 0 :y 0}" keeps its spaces.
    std::string pending;
    for (const std::string& word : Split(fields[2], ' ')) {
      pending += pending.empty() ? word : " " + word;
      if (std::count(pending.begin(), pending.end(), '{') ==
          std::count(pending.begin(), pending.end(), '}')) {
        args.push_back(pending);
        pending.clear();
      }
    }
    args.push_back(kData + fields[0]);
    CheckRun run = Check(args);
    EXPECT_EQ(run.exit, std::stoi(fields[1])) << line << "\n"
                                              << run.out << run.err;
    EXPECT_NE((run.out + run.err).find(fields[3]), std::string::npos)
        << line << "\n"
        << run.out << run.err;
    ++cases;
  }
  EXPECT_GE(cases, 25);
}

TEST(CheckMainTest, HtmlTimelineHighlightsTheFailingOp) {
  const std::string html_path = testing::TempDir() + "/timeline.html";
  CheckRun run =
      Check({"--model=cas-register", "--initial=0", "--html=" + html_path,
             std::string(kData) + "knossos_cas_failure.edn"});
  ASSERT_EQ(run.exit, 1) << run.err;
  std::ifstream in(html_path);
  std::stringstream html;
  html << in.rdbuf();
  const std::string page = html.str();
  EXPECT_NE(page.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(page.find("id=\"blamed\" class=\"op blamed\""), std::string::npos);
  EXPECT_NE(page.find("href=\"#blamed\""), std::string::npos);
  EXPECT_NE(page.find("process 2"), std::string::npos);  // one lane per process
  EXPECT_EQ(page.find("<script"), std::string::npos);    // self-contained
  EXPECT_EQ(page.find("http"), std::string::npos);       // no external assets
}

TEST(CheckMainTest, HtmlForTransactionsHighlightsTheCycle) {
  const std::string html_path = testing::TempDir() + "/cycle.html";
  CheckRun run = Check({"--model=list-append", "--html=" + html_path,
                        std::string(kData) + "elle_g0.edn"});
  ASSERT_EQ(run.exit, 1) << run.err;
  std::ifstream in(html_path);
  std::stringstream html;
  html << in.rdbuf();
  EXPECT_NE(html.str().find("class=\"op blamed\""), std::string::npos);
}

TEST(CheckMainTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Check({}).exit, kExitUnknownOrError);
  EXPECT_EQ(Check({"--model=nope", "x.edn"}).exit, kExitUnknownOrError);
  CheckRun missing = Check({"--model=register", "/nonexistent/h.edn"});
  EXPECT_EQ(missing.exit, kExitUnknownOrError);
  EXPECT_NE(missing.err.find("cannot open '/nonexistent/h.edn': No such file "
                             "or directory (errno 2)"),
            std::string::npos)
      << missing.err;
  EXPECT_EQ(Check({"--model=register", "--time-limit=abc", "x"}).exit,
            kExitUnknownOrError);
  CheckRun directory = Check({"--model=register", testing::TempDir()});
  EXPECT_EQ(directory.exit, kExitUnknownOrError);
  EXPECT_NE(directory.err.find("Is a directory (errno 21)"), std::string::npos)
      << directory.err;
  EXPECT_EQ(Check({"--help"}).exit, kExitValid);
}

std::string WriteTemp(const std::string& name, const std::string& contents) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(CheckMainTest, NumericFlagsHaveRanges) {
  const std::string h = std::string(kData) + "etcd_small_ok.log";
  for (const char* bad : {"--threads=-1", "--threads=1025", "--threads=abc",
                          "--threads=99999999999999999999", "--threads="}) {
    CheckRun run = Check({"--model=cas-register", bad, h});
    EXPECT_EQ(run.exit, kExitUnknownOrError) << bad;
    EXPECT_NE(run.err.find("want a count in [0, 1024]"), std::string::npos)
        << bad << ": " << run.err;
  }
  for (const char* bad : {"--time-limit=-1", "--time-limit=nan",
                          "--time-limit=inf", "--time-limit=1e400"}) {
    CheckRun run = Check({"--model=cas-register", bad, h});
    EXPECT_EQ(run.exit, kExitUnknownOrError) << bad;
    EXPECT_NE(run.err.find("want seconds in [0, 1000000000]"),
              std::string::npos)
        << bad << ": " << run.err;
  }
  EXPECT_EQ(Check({"--model=cas-register", "--failed-cas=observed",
                   "--threads=1024", "--time-limit=0.5", h})
                .exit,
            kExitValid);
}

// Issue 22: random bytes read as a log were a valid, empty history.
TEST(CheckMainTest, UnrecognisedInputIsAnError) {
  std::string bytes;
  uint64_t x = 88172645463325252ULL;  // xorshift64: fixed bytes, no "jepsen"
  for (int i = 0; i < (1 << 20); ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    bytes.push_back(static_cast<char>(x));
  }
  ASSERT_EQ(bytes.find("jepsen.util"), std::string::npos);
  const std::string path = WriteTemp("random.log", bytes);
  CheckRun run = Check({"--model=register", "--format=log", path});
  EXPECT_EQ(run.exit, kExitUnknownOrError);
  EXPECT_NE(run.err.find("no Jepsen log line"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST(CheckMainTest, EmptyHistoryIsAWarningOrWithStrictAnError) {
  const std::string path = WriteTemp("empty.edn", "[]\n");
  CheckRun lenient = Check({"--model=register", path});
  EXPECT_EQ(lenient.exit, kExitValid);
  EXPECT_NE(lenient.err.find("warning: "), std::string::npos) << lenient.err;
  CheckRun strict = Check({"--model=register", "--strict", path});
  EXPECT_EQ(strict.exit, kExitUnknownOrError);
  EXPECT_NE(strict.err.find("error: '" + path + "' holds no operations"),
            std::string::npos)
      << strict.err;
  EXPECT_EQ(strict.out, "");
}

// The --html file is created before the check: a path that cannot be
// written fails at once, with the path and the errno; a failed write after
// the check is an error too.
TEST(CheckMainTest, UnwritableHtmlIsAnErrorNamingPathAndErrno) {
  const std::string h = std::string(kData) + "knossos_cas_failure.edn";
  CheckRun missing =
      Check({"--model=cas-register", "--html=/nonexistent/t.html", h});
  EXPECT_EQ(missing.exit, kExitUnknownOrError);
  EXPECT_NE(missing.err.find("--html: cannot create '/nonexistent/t.html': "
                             "No such file or directory (errno 2)"),
            std::string::npos)
      << missing.err;
  EXPECT_EQ(missing.out, "") << "refused before the check ran";
  CheckRun directory =
      Check({"--model=cas-register", "--html=" + testing::TempDir(), h});
  EXPECT_EQ(directory.exit, kExitUnknownOrError);
  EXPECT_NE(directory.err.find("Is a directory (errno 21)"), std::string::npos)
      << directory.err;
  CheckRun full = Check({"--model=cas-register", "--html=/dev/full", h});
  EXPECT_EQ(full.exit, kExitUnknownOrError);
  EXPECT_NE(full.err.find("--html: cannot write '/dev/full': No space left on "
                          "device (errno 28)"),
            std::string::npos)
      << full.err;
}

// Issue 22: bad input is quoted as a short escaped excerpt.
TEST(CheckMainTest, MessagesQuoteShortEscapedExcerpts) {
  CheckRun run = Check({"--model=" + std::string(100000, 'm') + "\x01", "x"});
  EXPECT_EQ(run.exit, kExitUnknownOrError);
  EXPECT_NE(run.err.find("unknown --model '" + std::string(40, 'm') +
                         "'...(100001 bytes)"),
            std::string::npos);
  EXPECT_LT(run.err.find('\n'), 200u);
  CheckRun format = Check({"--model=register", "--format=\x01\x02", "x"});
  EXPECT_NE(format.err.find("unknown --format '\\x01\\x02'"), std::string::npos)
      << format.err;
}

TEST(HtmlTest, Escapes) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

}  // namespace
}  // namespace jepsen::cli
