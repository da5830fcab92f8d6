// EDN reader: examples of every supported form, error messages that name the
// line, and properties (printed values read back equal; random bytes never
// crash the reader).
#include "jepsen/history/edn.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace jepsen::history {
namespace {

Value ParseOne(std::string_view text) {
  absl::StatusOr<std::vector<Value>> forms = ParseEdn(text);
  EXPECT_TRUE(forms.ok()) << forms.status();
  if (!forms.ok() || forms->size() != 1) return Value::Symbol("<parse failed>");
  return (*forms)[0];
}

std::string ErrorOf(std::string_view text) {
  absl::StatusOr<std::vector<Value>> forms = ParseEdn(text);
  if (forms.ok()) return "<ok>";
  return std::string(forms.status().message());
}

TEST(EdnTest, Scalars) {
  EXPECT_EQ(ParseOne("nil"), Value::Nil());
  EXPECT_EQ(ParseOne("true"), Value::Bool(true));
  EXPECT_EQ(ParseOne("false"), Value::Bool(false));
  EXPECT_EQ(ParseOne("-42"), Value::Int(-42));
  EXPECT_EQ(ParseOne("+7"), Value::Int(7));
  EXPECT_EQ(ParseOne("12N"), Value::Int(12));
  EXPECT_EQ(ParseOne("-9223372036854775808"), Value::Int(INT64_MIN));
  EXPECT_EQ(ParseOne("1.5"), Value::Double(1.5));
  EXPECT_EQ(ParseOne("2e3"), Value::Double(2000));
  EXPECT_EQ(ParseOne(":cas"), Value::Keyword("cas"));
  EXPECT_EQ(ParseOne(":jepsen.history/op"),
            Value::Keyword("jepsen.history/op"));
  EXPECT_EQ(ParseOne("foo"), Value::Symbol("foo"));
  EXPECT_EQ(ParseOne(R"("a\"b\n\u0041")"), Value::String("a\"b\nA"));
  EXPECT_EQ(ParseOne(R"(\a)"), Value::String("a"));
  EXPECT_EQ(ParseOne(R"(\newline)"), Value::String("\n"));
}

TEST(EdnTest, Collections) {
  EXPECT_EQ(ParseOne("[1 2, 3]"),
            Value::Vector({Value::Int(1), Value::Int(2), Value::Int(3)}));
  EXPECT_EQ(ParseOne("(1 [2])"),
            Value::Vector({Value::Int(1), Value::Vector({Value::Int(2)})}));
  EXPECT_EQ(ParseOne("#{3 1 1}"), Value::Set({Value::Int(1), Value::Int(3)}));
  Value map = ParseOne("{:type :invoke, :f :read :value nil}");
  ASSERT_TRUE(map.is_map());
  ASSERT_NE(map.Find("f"), nullptr);
  EXPECT_EQ(*map.Find("f"), Value::Keyword("read"));
  EXPECT_EQ(map.Find("missing"), nullptr);
}

TEST(EdnTest, CommentsDiscardAndTags) {
  EXPECT_EQ(ParseOne("; a comment\n [1 #_ 2 3] ; trailing"),
            Value::Vector({Value::Int(1), Value::Int(3)}));
  // Jepsen 0.3 writes ops as records; the tag is skipped, the map kept.
  Value op = ParseOne("#jepsen.history.Op{:index 0 :type :ok}");
  ASSERT_TRUE(op.is_map());
  EXPECT_EQ(*op.Find("index"), Value::Int(0));
  EXPECT_EQ(ParseOne("#inst \"2020-01-01\""), Value::String("2020-01-01"));
  EXPECT_TRUE(std::isinf(ParseOne("##Inf").double_value()));
}

TEST(EdnTest, LinesAreRecorded) {
  absl::StatusOr<std::vector<Value>> forms =
      ParseEdn("{:a 1}\n\n{:b 2}\n[\n 3]");
  ASSERT_TRUE(forms.ok());
  ASSERT_EQ(forms->size(), 3u);
  EXPECT_EQ((*forms)[0].line(), 1);
  EXPECT_EQ((*forms)[1].line(), 3);
  EXPECT_EQ((*forms)[2].items()[0].line(), 5);
}

TEST(EdnTest, ErrorsNameTheLine) {
  EXPECT_EQ(ErrorOf("[1 2\n3"), "line 2: unterminated vector opened at line 1");
  EXPECT_EQ(ErrorOf("{:a 1\n :b}"),
            "line 1: map literal has an odd number of forms");
  EXPECT_EQ(ErrorOf("\n\n]"), "line 3: unexpected ']'");
  EXPECT_EQ(
      ErrorOf("[1 2)"),
      "line 1: mismatched ')' (expected ']' for the form opened at line 1)");
  EXPECT_EQ(ErrorOf("\"abc"), "line 1: unterminated string opened at line 1");
  EXPECT_EQ(ErrorOf("99999999999999999999"),
            "line 1: bad or out-of-range number '99999999999999999999'");
  EXPECT_EQ(ErrorOf(":"), "line 1: empty keyword ':'");
  EXPECT_EQ(ErrorOf("#"), "line 1: '#' at end of input");
  EXPECT_EQ(ErrorOf("#tag"), "line 1: unexpected end of input");
}

TEST(EdnTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '[');
  EXPECT_EQ(ErrorOf(deep), "line 1: nesting too deep");
}

// Random EDN data, nested a few levels.
rc::Gen<Value> GenValue(int depth) {
  auto scalar = rc::gen::oneOf(
      rc::gen::just(Value::Nil()),
      rc::gen::map(rc::gen::arbitrary<bool>(), &Value::Bool),
      rc::gen::map(rc::gen::arbitrary<int64_t>(), &Value::Int),
      rc::gen::map(rc::gen::arbitrary<std::string>(), &Value::String),
      rc::gen::map(rc::gen::elementOf(
                       std::vector<std::string>{"ok", "cas", "a/b", "x-1"}),
                   &Value::Keyword));
  if (depth == 0) return scalar;
  auto items = rc::gen::resize(
      6, rc::gen::container<std::vector<Value>>(GenValue(depth - 1)));
  return rc::gen::oneOf(scalar, rc::gen::map(items, &Value::Vector),
                        rc::gen::map(items, &Value::Set),
                        rc::gen::map(items, [](std::vector<Value> v) {
                          std::vector<std::pair<Value, Value>> entries;
                          for (size_t i = 0; i + 1 < v.size(); i += 2)
                            entries.emplace_back(v[i], v[i + 1]);
                          return Value::Map(std::move(entries));
                        }));
}

RC_GTEST_PROP(EdnProperty, PrintedValuesReadBackEqual, ()) {
  Value value = *GenValue(3);
  absl::StatusOr<std::vector<Value>> forms = ParseEdn(value.ToEdn());
  RC_ASSERT(forms.ok());
  RC_ASSERT(forms->size() == 1u);
  RC_ASSERT((*forms)[0] == value);
}

RC_GTEST_PROP(EdnProperty, RandomBytesNeverCrash, (std::string bytes)) {
  absl::StatusOr<std::vector<Value>> forms = ParseEdn(bytes);
  if (!forms.ok()) RC_ASSERT(forms.status().message().rfind("line ", 0) == 0);
}

RC_GTEST_PROP(EdnProperty, RandomEdnishTextNeverCrashes, ()) {
  // Bytes drawn from EDN's own alphabet reach deeper into the parser.
  std::string text = *rc::gen::container<std::string>(rc::gen::elementOf(
      std::string("[](){}#_:;\"\\ \n,0123456789-+.eNMnilatrufs{}^")));
  absl::StatusOr<std::vector<Value>> forms = ParseEdn(text);
  if (!forms.ok()) RC_ASSERT(forms.status().message().rfind("line ", 0) == 0);
}

}  // namespace
}  // namespace jepsen::history
