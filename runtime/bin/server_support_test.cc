// FlagSet's Go-style forms and refusals, and the address checks, as the
// binaries' command lines use them (bad_input_test.sh runs the binaries).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/bin/address.h"
#include "runtime/bin/flags.h"

namespace runtime::bin {
namespace {

absl::Status ParseArgs(FlagSet& flags, std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return flags.Parse(static_cast<int>(argv.size()), argv.data());
}

FlagSet TwoFlags() {
  FlagSet flags("prog");
  flags.Add("name", "pd", "a name");
  flags.Add("data-dir", "", "a dir");
  return flags;
}

TEST(FlagSetTest, AcceptsEveryGoForm) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--name=x", "--data-dir=d"},
                                             {"--name", "x", "--data-dir", "d"},
                                             {"-name=x", "-data-dir", "d"}}) {
    FlagSet flags = TwoFlags();
    ASSERT_TRUE(ParseArgs(flags, args).ok());
    EXPECT_EQ(flags.Get("name"), "x");
    EXPECT_EQ(flags.Get("data-dir"), "d");
    EXPECT_TRUE(flags.IsSet("name"));
  }
}

TEST(FlagSetTest, DefaultsStayUnlessGiven) {
  FlagSet flags = TwoFlags();
  ASSERT_TRUE(ParseArgs(flags, {"--data-dir="}).ok());
  EXPECT_EQ(flags.Get("name"), "pd");
  EXPECT_FALSE(flags.IsSet("name"));
  EXPECT_TRUE(flags.IsSet("data-dir"));
  EXPECT_EQ(flags.Get("data-dir"), "");
}

TEST(FlagSetTest, RefusalsNameTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus=1"}, "unknown flag --bogus"},
      {{"--name"}, "flag --name needs a value"},
      {{"--name=a", "--name=b"}, "flag --name given twice"},
      {{"stray"}, "unexpected argument \"stray\""},
  };
  for (const auto& [args, message] : cases) {
    FlagSet flags = TwoFlags();
    absl::Status status = ParseArgs(flags, args);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
    EXPECT_NE(std::string(status.message()).find(message), std::string::npos)
        << status;
  }
}

TEST(FlagSetTest, HelpStopsParsing) {
  FlagSet flags = TwoFlags();
  ASSERT_TRUE(ParseArgs(flags, {"--help", "--bogus"}).ok());
  EXPECT_TRUE(flags.help_asked());
  EXPECT_NE(flags.Usage().find("--data-dir"), std::string::npos);
}

TEST(AddressTest, HostPortChecks) {
  EXPECT_EQ(*ParseHostPort("addr", "127.0.0.1:20160"), "127.0.0.1:20160");
  EXPECT_EQ(*ParseHostPort("addr", "localhost:1"), "localhost:1");
  for (const char* bad : {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536",
                          "127.0.0.1:x", "example.com:80", ":20160"}) {
    absl::StatusOr<std::string> parsed = ParseHostPort("addr", bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(std::string(parsed.status().message()).find("--addr"),
              std::string::npos);
  }
}

TEST(AddressTest, UrlsKeepTheirTextInErrors) {
  EXPECT_EQ(*ParseUrl("pd", "http://127.0.0.1:2379"), "127.0.0.1:2379");
  EXPECT_EQ(*ParseUrl("pd", "127.0.0.1:2379"), "127.0.0.1:2379");
  absl::StatusOr<std::string> bad =
      ParseUrl("client-urls", "https://1.2.3.4:1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("\"https://1.2.3.4:1\""),
            std::string::npos);
  auto urls = ParseUrls("pd", "http://127.0.0.1:1,127.0.0.1:2");
  ASSERT_TRUE(urls.ok());
  EXPECT_EQ(*urls, (std::vector<std::string>{"127.0.0.1:1", "127.0.0.1:2"}));
  EXPECT_FALSE(ParseUrls("pd", ",").ok());
}

}  // namespace
}  // namespace runtime::bin
