// Readers for the three history formats: examples in each format (the shapes
// of Knossos EDN, Porcupine's etcd logs and our JSON lines), errors naming
// the line, a JSON-lines round trip, and "random bytes never crash" for
// every reader.
#include "jepsen/history/readers.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "jepsen/history/json_lines.h"
#include "jepsen/history/writers.h"

namespace jepsen::history {
namespace {

TEST(ReadersTest, EdnVectorOfOps) {
  // Knossos data/cas-register style: a leading comment, then one vector.
  absl::StatusOr<History> h = ParseEdnHistory(
      ";; cas register\n"
      "[{:process 0, :type :invoke, :f :cas, :value [1 4]}\n"
      " {:process :nemesis, :type :info, :f :start, :value nil}\n"
      " {:process 0, :type :ok, :f :cas, :value [1 4], :time 17, :index 1}]\n");
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->ops.size(), 2u);  // the nemesis op is skipped
  EXPECT_EQ(h->ops[0].type, OpType::kInvoke);
  EXPECT_EQ(h->ops[0].f, "cas");
  EXPECT_EQ(h->ops[0].value, Value::Vector({Value::Int(1), Value::Int(4)}));
  EXPECT_EQ(h->ops[0].line, 2);
  EXPECT_EQ(h->ops[1].type, OpType::kOk);
  EXPECT_EQ(h->ops[1].time_ns, 17);
  EXPECT_EQ(h->ops[1].line, 4);
}

TEST(ReadersTest, EdnOneMapPerLine) {
  // Porcupine test_data/kv style.
  absl::StatusOr<History> h = ParseHistory(
      "{:process 0, :type :invoke, :f :append, :key \"1\", :value \"x 0 0 "
      "y\"}\n"
      "{:process 0, :type :ok, :f :append, :key \"1\", :value \"x 0 0 y\"}\n");
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->ops.size(), 2u);
  ASSERT_TRUE(h->ops[0].key.has_value());
  EXPECT_EQ(*h->ops[0].key, Value::String("1"));
}

TEST(ReadersTest, JepsenLogTabsSpacesAndNoise) {
  absl::StatusOr<History> h = ParseHistory(
      "2015-05-01 INFO  jepsen.core - starting\n"
      "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]\n"
      "INFO  jepsen.util - 3  :fail  :cas  [1 4]\n"
      "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
      "INFO  jepsen.util - 1\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 1\t:info\t:read\t:timed-out\n");
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->ops.size(), 4u);
  EXPECT_EQ(h->ops[0].process, 3);
  EXPECT_EQ(h->ops[0].value, Value::Vector({Value::Int(1), Value::Int(4)}));
  EXPECT_EQ(h->ops[1].type, OpType::kFail);
  EXPECT_EQ(h->ops[2].value, Value::Nil());
  EXPECT_EQ(h->ops[3].value, Value::Keyword("timed-out"));
  EXPECT_EQ(h->ops[3].line, 6);
}

TEST(ReadersTest, JsonLinesWithTransactions) {
  absl::StatusOr<History> h = ParseHistory(
      "{\"index\":0,\"type\":\"invoke\",\"process\":1,\"f\":\"txn\","
      "\"value\":[[\"append\",\"x\",1],[\"r\",\"y\",null]]}\n"
      "\n"
      "{\"index\":1,\"type\":\"ok\",\"process\":1,\"f\":\"txn\","
      "\"value\":[[\"append\",\"x\",1],[\"r\",\"y\",[1,2]]],\"time\":99}\n");
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->ops.size(), 2u);
  EXPECT_EQ(h->ops[1].line, 3);
  EXPECT_EQ(h->ops[1].time_ns, 99);
  EXPECT_EQ(h->ops[1].value.items()[1].items()[2],
            Value::Vector({Value::Int(1), Value::Int(2)}));
}

TEST(ReadersTest, JsonArrayOfOps) {
  absl::StatusOr<History> h = ParseHistory(
      "[{\"type\":\"invoke\",\"process\":0,\"f\":\"read\",\"value\":null},\n"
      " {\"type\":\"ok\",\"process\":0,\"f\":\"read\",\"value\":3}]");
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->ops.size(), 2u);
}

TEST(ReadersTest, DetectsFormats) {
  EXPECT_EQ(DetectFormat("; c\n[{:process 1}]"), Format::kEdn);
  EXPECT_EQ(DetectFormat("{:type :ok}"), Format::kEdn);
  EXPECT_EQ(DetectFormat("{\"type\":\"ok\"}"), Format::kJsonLines);
  EXPECT_EQ(DetectFormat("[{\"type\":\"ok\"}]"), Format::kJsonLines);
  EXPECT_EQ(DetectFormat("[\n  {\n \"type\":\"ok\"}]"), Format::kJsonLines);
  EXPECT_EQ(DetectFormat("[\n  {:type :ok}]"), Format::kEdn);
  EXPECT_EQ(DetectFormat("INFO jepsen.util - 1 :invoke :read nil"),
            Format::kJepsenLog);
  EXPECT_EQ(DetectFormat("hello"), Format::kAuto);
}

std::string ErrorOf(std::string_view text, Format format = Format::kAuto) {
  absl::StatusOr<History> h = ParseHistory(text, format);
  return h.ok() ? "<ok>" : std::string(h.status().message());
}

TEST(ReadersTest, ErrorsNameTheLine) {
  EXPECT_EQ(ErrorOf("{:process 1 :type :ok}\n{:process 1 :type :bogus}"),
            "line 2: unknown op :type ':bogus'");
  EXPECT_EQ(ErrorOf("{:process 1 :f :read}"), "line 1: op has no :type");
  EXPECT_EQ(ErrorOf("{:type :ok :f :read}"), "line 1: op has no :process");
  EXPECT_EQ(ErrorOf("[{:type :ok :process 1}\n 7]"),
            "line 2: expected an op map, got '7'");
  EXPECT_EQ(ErrorOf("{\"type\":\"ok\",\"process\":1}\n{\"type\":"),
            "line 2: invalid JSON");
  EXPECT_EQ(
      ErrorOf("{\"type\":\"ok\",\"process\":1}\n[1]\n", Format::kJsonLines),
      "line 2: expected a JSON object");
  EXPECT_EQ(ErrorOf("x\nINFO jepsen.util - 1 :invoke"),
            "line 2: expected `<process> :<type> :<f> [value]`");
  EXPECT_EQ(ErrorOf("INFO jepsen.util - 1 :invoke :cas [1 2"),
            "line 1: unterminated vector opened at line 1");
  EXPECT_EQ(ErrorOf("INFO jepsen.util - 1 :began :read nil"),
            "line 1: unknown op type ':began'");
  EXPECT_EQ(ErrorOf("hello\n"),
            "line 1: cannot tell the history format (expected EDN op maps, "
            "JSON lines or "
            "Jepsen log lines); pass --format");
}

// Issue 22: `check --format=log` on random bytes once read an empty, valid
// history. Input with no log line at all is an error; blank input is an
// empty history.
TEST(ReadersTest, LogReaderThatRecognisesNothingSaysSo) {
  EXPECT_EQ(ErrorOf("random noise\nmore\n", Format::kJepsenLog),
            "line 1: no Jepsen log line (`jepsen.util - <process> :<type> "
            ":<f> [value]`) in 2 lines: not a Jepsen log");
  EXPECT_EQ(ErrorOf(" \n\t\n", Format::kJepsenLog), "<ok>");
  EXPECT_EQ(ErrorOf("", Format::kJepsenLog), "<ok>");
  // Noise around real lines stays noise.
  EXPECT_EQ(ErrorOf("noise\nINFO jepsen.util - :nemesis :info :start nil\n",
                    Format::kJepsenLog),
            "<ok>");
}

// Issue 22: messages quote bad input as a short escaped excerpt, never a
// 20 MB token or raw NUL bytes.
TEST(ReadersTest, ErrorsQuoteAShortEscapedExcerpt) {
  const std::string huge =
      "INFO jepsen.util - 1 :" + std::string(20 * 1000 * 1000, 'x') +
      " :read nil";
  const std::string error = ErrorOf(huge);
  EXPECT_LT(error.size(), 200u) << error.substr(0, 200);
  EXPECT_NE(error.find("...(20000001 bytes)"), std::string::npos) << error;
  const std::string binary =
      ErrorOf(std::string("INFO jepsen.util - 1 :\x00\x01\xfe :read", 31));
  EXPECT_EQ(binary, "line 1: unknown op type ':\\x00\\x01\\xfe'");
  EXPECT_EQ(ErrorOf("[" + std::string(1000, '7') + "]"),
            "line 1: bad or out-of-range number '" + std::string(40, '7') +
                "'...(1000 bytes)");
}

TEST(ReadersTest, MissingFileIsNotFound) {
  absl::StatusOr<History> h = ReadHistoryFile("/nonexistent/history.edn");
  EXPECT_EQ(h.status().code(), absl::StatusCode::kNotFound);
}

rc::Gen<Value> GenOpValue() {
  return rc::gen::oneOf(
      rc::gen::just(Value::Nil()),
      rc::gen::map(rc::gen::arbitrary<int64_t>(), &Value::Int),
      // JSON strings are UTF-8; any ASCII text (controls included) round-trips.
      rc::gen::map(
          rc::gen::container<std::string>(rc::gen::inRange<char>(0, 127)),
          &Value::String),
      rc::gen::map(
          rc::gen::pair(rc::gen::arbitrary<int64_t>(),
                        rc::gen::arbitrary<int64_t>()),
          [](std::pair<int64_t, int64_t> p) {
            return Value::Vector({Value::Int(p.first), Value::Int(p.second)});
          }));
}

// Whatever the simulator writes, the reader gives back unchanged.
RC_GTEST_PROP(ReadersProperty, JsonLinesRoundTrip, ()) {
  History history;
  int n = *rc::gen::inRange(0, 20);
  for (int i = 0; i < n; ++i) {
    Op op;
    op.type = *rc::gen::element(OpType::kInvoke, OpType::kOk, OpType::kFail,
                                OpType::kInfo);
    op.process = *rc::gen::arbitrary<int64_t>();
    op.f = *rc::gen::element<std::string>("read", "write", "cas", "txn");
    op.value = *GenOpValue();
    if (*rc::gen::arbitrary<bool>()) op.key = *GenOpValue();
    op.time_ns = *rc::gen::inRange<int64_t>(-1, 1000000);
    op.index = i;
    history.ops.push_back(op);
  }
  absl::StatusOr<History> back = ParseJsonLines(ToJsonLines(history));
  RC_ASSERT(back.ok());
  RC_ASSERT(back->ops.size() == history.ops.size());
  for (size_t i = 0; i < history.ops.size(); ++i) {
    const Op& a = history.ops[i];
    const Op& b = back->ops[i];
    RC_ASSERT(a.type == b.type && a.process == b.process && a.f == b.f &&
              a.index == b.index);
    RC_ASSERT(a.value == b.value && a.key == b.key && a.time_ns == b.time_ns);
    RC_ASSERT(b.line == static_cast<int>(i) + 1);
  }
}

// EDN and logger writers round-trip through their readers.
RC_GTEST_PROP(ReadersProperty, EdnAndLogWritersRoundTrip, ()) {
  History history;
  int n = *rc::gen::inRange(0, 20);
  for (int i = 0; i < n; ++i) {
    Op op;
    op.type = *rc::gen::element(OpType::kInvoke, OpType::kOk, OpType::kFail,
                                OpType::kInfo);
    op.process = *rc::gen::inRange<int64_t>(0, 1000);
    op.f = *rc::gen::element<std::string>("read", "write", "cas", "txn");
    op.value = *GenOpValue();
    history.ops.push_back(op);
  }
  for (Format format : {Format::kEdn, Format::kJepsenLog}) {
    absl::StatusOr<History> back =
        ParseHistory(WriteHistory(history, format), format);
    RC_ASSERT(back.ok());
    RC_ASSERT(back->ops.size() == history.ops.size());
    for (size_t i = 0; i < history.ops.size(); ++i) {
      RC_ASSERT(back->ops[i].type == history.ops[i].type);
      RC_ASSERT(back->ops[i].process == history.ops[i].process);
      RC_ASSERT(back->ops[i].f == history.ops[i].f);
      RC_ASSERT(back->ops[i].value == history.ops[i].value);
    }
  }
}

// The streaming EDN reader (op maps with plain keyword keys) gives exactly
// the history, or the error, of the reader that builds every form, on text
// made of op-map fragments: known and unknown keys, duplicates, string and
// `::` keys, nested values, discards, tags, comments, wrappers, stray forms
// and corrupted bytes.
RC_GTEST_PROP(ReadersProperty, StreamedEdnMatchesForms, ()) {
  // Fragments every reader accepts, then ones that may break a map.
  const std::vector<std::string> keys = {
      ":type",  ":process", ":f",   ":value",   ":key",   ":time",
      ":index", ":error",   ":foo", "\"type\"", "::type", "#_ :x :y"};
  const std::vector<std::string> values = {
      ":ok",       "3",      "nil",     "\"s\"",       "[1 [2]]",
      "{:a 1}",    "#{1 2}", "#_ 1 2",  "#inst \"t\"", ":append",
      "\"x 1 y\"", "2.5",    "; c\n 4", ":info"};
  const std::vector<std::string> bad = {":bogus", "", "}", "]", "#", "#_ :x"};
  const bool broken = *rc::gen::inRange(0, 3) == 0;
  auto maybe_bad = [&](const std::string& good) {
    return broken && *rc::gen::inRange(0, 8) == 0 ? *rc::gen::elementOf(bad)
                                                  : good;
  };
  std::string text;
  const int wrapper = *rc::gen::inRange(0, 3);
  if (wrapper == 1) text += "[";
  if (wrapper == 2) text += "(";
  const int maps = *rc::gen::inRange(0, 6);
  for (int m = 0; m < maps; ++m) {
    text += *rc::gen::element<std::string>("{", "\n{", " ; c\n{", ",{");
    text += maybe_bad(*rc::gen::element<std::string>(
        ":type :invoke", ":type :ok", ":type :info", ":type \"fail\""));
    text += *rc::gen::element<std::string>(" :process 1 ", " :process 2 ");
    const int entries = *rc::gen::inRange(0, 6);
    for (int e = 0; e < entries; ++e) {
      text += maybe_bad(*rc::gen::elementOf(keys)) + " ";
      text += maybe_bad(*rc::gen::elementOf(values));
      text += *rc::gen::element<std::string>(" ", ", ", "\n");
    }
    text += maybe_bad("}");
  }
  if (wrapper == 1) text += maybe_bad("]");
  if (wrapper == 2) text += maybe_bad(")");
  text += maybe_bad(*rc::gen::element<std::string>("", "\n", " ; end"));
  if (broken && *rc::gen::inRange(0, 4) == 0 && !text.empty()) {
    text[*rc::gen::inRange<size_t>(0, text.size())] =
        *rc::gen::arbitrary<char>();
  }
  RC_TAG(wrapper);
  const absl::StatusOr<History> streamed = ParseEdnHistory(text);
  const absl::StatusOr<History> forms = ParseEdnHistoryAsForms(text);
  RC_ASSERT(streamed.ok() == forms.ok());
  RC_CLASSIFY(forms.ok() && !forms->ops.empty(), "ops read");
  if (!forms.ok()) {
    RC_ASSERT(streamed.status() == forms.status());
    return;
  }
  RC_ASSERT(streamed->ops.size() == forms->ops.size());
  for (size_t i = 0; i < forms->ops.size(); ++i) {
    const Op& a = streamed->ops[i];
    const Op& b = forms->ops[i];
    RC_ASSERT(a.type == b.type && a.process == b.process && a.f == b.f);
    RC_ASSERT(a.value == b.value && a.key == b.key && a.error == b.error);
    RC_ASSERT(a.time_ns == b.time_ns && a.index == b.index);
    RC_ASSERT(a.line == b.line && a.value.line() == b.value.line());
  }
}

void AssertCleanError(const absl::StatusOr<History>& h) {
  if (!h.ok()) {
    RC_ASSERT(h.status().code() == absl::StatusCode::kInvalidArgument);
    RC_ASSERT(h.status().message().rfind("line ", 0) == 0);
  }
}

RC_GTEST_PROP(ReadersProperty, RandomBytesNeverCrashEdnReader,
              (std::string bytes)) {
  AssertCleanError(ParseHistory(bytes, Format::kEdn));
}

RC_GTEST_PROP(ReadersProperty, RandomBytesNeverCrashLogReader,
              (std::string bytes)) {
  AssertCleanError(ParseHistory(bytes, Format::kJepsenLog));
  // Without a single log line, non-blank input is refused, not read as an
  // empty history.
  if (bytes.find("jepsen.util") == std::string::npos) {
    RC_ASSERT(!ParseHistory("x" + bytes, Format::kJepsenLog).ok());
  }
  AssertCleanError(
      ParseHistory("INFO jepsen.util - " + bytes, Format::kJepsenLog));
}

RC_GTEST_PROP(ReadersProperty, RandomBytesNeverCrashJsonReader,
              (std::string bytes)) {
  AssertCleanError(ParseHistory(bytes, Format::kJsonLines));
  AssertCleanError(ParseHistory("{\"type\":" + bytes, Format::kJsonLines));
}

RC_GTEST_PROP(ReadersProperty, RandomBytesNeverCrashAutoDetection,
              (std::string bytes)) {
  AssertCleanError(ParseHistory(bytes));
}

// Mutating a valid file byte by byte reaches the field-level checks.
RC_GTEST_PROP(ReadersProperty, CorruptedValidFilesNeverCrash, ()) {
  std::string text = *rc::gen::element<std::string>(
      "[{:process 0 :type :invoke :f :cas :value [1 2]}\n{:process 0 :type :ok "
      ":f :cas}]",
      "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]\nINFO  jepsen.util - "
      "3\t:ok\t:cas\t[1 4]",
      "{\"type\":\"invoke\",\"process\":1,\"f\":\"txn\",\"value\":[[\"r\","
      "\"x\",null]]}");
  int edits = *rc::gen::inRange(1, 5);
  for (int i = 0; i < edits; ++i) {
    size_t at = *rc::gen::inRange<size_t>(0, text.size());
    text[at] = *rc::gen::arbitrary<char>();
  }
  AssertCleanError(ParseHistory(text));
  (void)PairOperations(History());
}

}  // namespace
}  // namespace jepsen::history
