// End-to-end checks of the `check` command: every sample in
// jepsen/testdata/MANIFEST gives its expected exit status and output, the
// HTML timeline is self-contained and highlights the failing op, and bad
// command lines are usage errors (exit 2).
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
  EXPECT_NE(missing.err.find("cannot open file"), std::string::npos);
  EXPECT_EQ(Check({"--model=register", "--time-limit=abc", "x"}).exit,
            kExitUnknownOrError);
  CheckRun directory = Check({"--model=register", testing::TempDir()});
  EXPECT_EQ(directory.exit, kExitUnknownOrError);
  EXPECT_NE(directory.err.find("is a directory"), std::string::npos);
  EXPECT_EQ(Check({"--help"}).exit, kExitValid);
}

TEST(HtmlTest, Escapes) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

}  // namespace
}  // namespace jepsen::cli
