#include "jepsen/history/edn.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "core/base/bytes.h"
#include "jepsen/history/cat.h"

namespace jepsen::history {
namespace {

bool IsDelimiter(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\f':
    case '\v':
    case ',':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '"':
    case ';':
      return true;
    default:
      return false;
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Appends the UTF-8 encoding of a code point.
void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool ParseInt(std::string_view token, int64_t* out) {
  if (!token.empty() && token.back() == 'N') token.remove_suffix(1);
  bool negative = false;
  size_t i = 0;
  if (i < token.size() && (token[i] == '+' || token[i] == '-'))
    negative = token[i++] == '-';
  if (i == token.size()) return false;
  // Accumulate as a negative number so INT64_MIN round-trips.
  int64_t value = 0;
  for (; i < token.size(); ++i) {
    if (!IsDigit(token[i])) return false;
    int digit = token[i] - '0';
    if (value < (std::numeric_limits<int64_t>::min() + digit) / 10)
      return false;
    value = value * 10 - digit;
  }
  if (!negative) {
    if (value == std::numeric_limits<int64_t>::min()) return false;
    value = -value;
  }
  *out = value;
  return true;
}

bool ParseDouble(std::string_view token, double* out) {
  if (!token.empty() && token.back() == 'M') token.remove_suffix(1);
  if (token.empty()) return false;
  std::string copy(token);
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return false;
  *out = d;
  return true;
}

}  // namespace

EdnReader::EdnReader(std::string_view text, int first_line)
    : text_(text), line_(first_line) {}

absl::Status EdnReader::Error(std::string_view message) const {
  return absl::InvalidArgumentError(jepsen::Cat("line ", line_, ": ", message));
}

void EdnReader::SkipSpaceAndComments() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '\n') {
      ++line_;
      ++pos_;
    } else if (c == ';') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == ',' || c == '\f' ||
               c == '\v') {
      ++pos_;
    } else {
      return;
    }
  }
}

absl::StatusOr<bool> EdnReader::Next(Value* out) {
  SkipSpaceAndComments();
  if (pos_ >= text_.size()) return false;
  absl::Status status = ReadForm(0, out);
  if (!status.ok()) return status;
  return true;
}

std::optional<char> EdnReader::Peek() {
  SkipSpaceAndComments();
  if (pos_ >= text_.size()) return std::nullopt;
  return text_[pos_];
}

std::optional<std::string_view> EdnReader::ReadPlainKeyword() {
  if (Peek() != ':') return std::nullopt;
  const size_t start = pos_;
  std::string_view token = ReadToken();
  if (token.size() < 2 || token[1] == ':') {
    pos_ = start;
    return std::nullopt;
  }
  return token.substr(1);
}

std::string_view EdnReader::ReadToken() {
  size_t start = pos_;
  // The first character may be a delimiter-free prefix such as '\' (char).
  if (pos_ < text_.size()) ++pos_;
  while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) ++pos_;
  return text_.substr(start, pos_ - start);
}

absl::Status EdnReader::ReadForm(int depth, Value* out) {
  if (depth > kMaxEdnDepth) return Error("nesting too deep");
  SkipSpaceAndComments();
  if (pos_ >= text_.size()) return Error("unexpected end of input");
  const int start_line = line_;
  const char c = text_[pos_];
  absl::Status status;
  std::vector<Value> items;
  switch (c) {
    case '(':
    case '[':
      ++pos_;
      status = ReadCollection(c == '(' ? ')' : ']', depth, &items);
      if (status.ok()) *out = Value::Vector(std::move(items));
      break;
    case '{': {
      ++pos_;
      status = ReadCollection('}', depth, &items);
      if (!status.ok()) break;
      if (items.size() % 2 != 0) {
        line_ = start_line;
        return Error("map literal has an odd number of forms");
      }
      std::vector<std::pair<Value, Value>> entries;
      entries.reserve(items.size() / 2);
      for (size_t i = 0; i < items.size(); i += 2) {
        entries.emplace_back(std::move(items[i]), std::move(items[i + 1]));
      }
      *out = Value::Map(std::move(entries));
      break;
    }
    case ')':
    case ']':
    case '}':
      return Error(jepsen::Cat("unexpected '", std::string(1, c), "'"));
    case '"':
      status = ReadString(out);
      break;
    case '#':
      status = ReadDispatch(depth, out);
      break;
    default:
      status = ReadAtom(out);
  }
  if (status.ok()) out->set_line(start_line);
  return status;
}

absl::Status EdnReader::ReadCollection(char close, int depth,
                                       std::vector<Value>* items) {
  const int open_line = line_;
  while (true) {
    SkipSpaceAndComments();
    if (pos_ >= text_.size()) {
      const char* what =
          close == ')' ? "list" : (close == ']' ? "vector" : "map or set");
      return Error(
          jepsen::Cat("unterminated ", what, " opened at line ", open_line));
    }
    char c = text_[pos_];
    if (c == close) {
      ++pos_;
      return absl::OkStatus();
    }
    if (c == ')' || c == ']' || c == '}') {
      return Error(jepsen::Cat("mismatched '", std::string(1, c),
                               "' (expected '", std::string(1, close),
                               "' for the form opened at line ", open_line,
                               ")"));
    }
    if (c == '#' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '_') {
      pos_ += 2;
      Value discarded;
      absl::Status status = ReadForm(depth + 1, &discarded);
      if (!status.ok()) return status;
      continue;
    }
    Value item;
    absl::Status status = ReadForm(depth + 1, &item);
    if (!status.ok()) return status;
    items->push_back(std::move(item));
  }
}

absl::Status EdnReader::ReadString(Value* out) {
  const int open_line = line_;
  ++pos_;  // opening quote
  std::string s;
  while (pos_ < text_.size()) {
    char c = text_[pos_++];
    if (c == '"') {
      *out = Value::String(std::move(s));
      return absl::OkStatus();
    }
    if (c == '\n') ++line_;
    if (c != '\\') {
      s.push_back(c);
      continue;
    }
    if (pos_ >= text_.size()) break;
    char e = text_[pos_++];
    switch (e) {
      case 'n':
        s.push_back('\n');
        break;
      case 't':
        s.push_back('\t');
        break;
      case 'r':
        s.push_back('\r');
        break;
      case 'b':
        s.push_back('\b');
        break;
      case 'f':
        s.push_back('\f');
        break;
      case '"':
        s.push_back('"');
        break;
      case '\\':
        s.push_back('\\');
        break;
      case 'u': {
        if (pos_ + 4 > text_.size())
          return Error("truncated \\u escape in string");
        uint32_t cp = 0;
        for (int i = 0; i < 4; ++i) {
          char h = text_[pos_++];
          int digit = IsDigit(h)               ? h - '0'
                      : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                      : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                               : -1;
          if (digit < 0) return Error("bad \\u escape in string");
          cp = cp * 16 + static_cast<uint32_t>(digit);
        }
        AppendUtf8(cp, &s);
        break;
      }
      default:
        return Error(
            jepsen::Cat("unknown string escape: a backslash, then ",
                        core::base::QuoteExcerpt(std::string_view(&e, 1))));
    }
  }
  return Error(jepsen::Cat("unterminated string opened at line ", open_line));
}

absl::Status EdnReader::ReadDispatch(int depth, Value* out) {
  ++pos_;  // '#'
  if (pos_ >= text_.size()) return Error("'#' at end of input");
  char c = text_[pos_];
  if (c == '{') {
    ++pos_;
    std::vector<Value> items;
    absl::Status status = ReadCollection('}', depth, &items);
    if (!status.ok()) return status;
    *out = Value::Set(std::move(items));
    return absl::OkStatus();
  }
  if (c == '_') {
    ++pos_;
    Value discarded;
    absl::Status status = ReadForm(depth + 1, &discarded);
    if (!status.ok()) return status;
    SkipSpaceAndComments();
    if (pos_ >= text_.size()) return Error("nothing after a discarded form");
    return ReadForm(depth + 1, out);
  }
  if (c == '#') {
    ++pos_;
    std::string_view token = ReadToken();
    if (token == "Inf")
      *out = Value::Double(std::numeric_limits<double>::infinity());
    else if (token == "-Inf")
      *out = Value::Double(-std::numeric_limits<double>::infinity());
    else if (token == "NaN")
      *out = Value::Double(std::numeric_limits<double>::quiet_NaN());
    else
      return Error(
          jepsen::Cat("unknown symbolic value ",
                      core::base::QuoteExcerpt(jepsen::Cat("##", token))));
    return absl::OkStatus();
  }
  if (IsDelimiter(c)) return Error("'#' must be followed by a tag, '{' or '_'");
  // A tagged literal: skip the tag and read the tagged form in its place.
  std::string_view tag = ReadToken();
  (void)tag;
  return ReadForm(depth + 1, out);
}

absl::Status EdnReader::ReadAtom(Value* out) {
  if (text_[pos_] == '\\') {
    std::string_view token = ReadToken();
    std::string_view name = token.substr(1);
    if (name.empty()) {
      // `\` followed by a delimiter character, e.g. `\(`.
      if (pos_ >= text_.size())
        return Error("character literal at end of input");
      if (text_[pos_] == '\n') ++line_;
      *out = Value::String(std::string(1, text_[pos_++]));
      return absl::OkStatus();
    }
    if (name == "newline")
      *out = Value::String("\n");
    else if (name == "space")
      *out = Value::String(" ");
    else if (name == "tab")
      *out = Value::String("\t");
    else if (name == "return")
      *out = Value::String("\r");
    else if (name.size() == 1)
      *out = Value::String(std::string(name));
    else
      return Error(jepsen::Cat("unknown character literal name ",
                               core::base::QuoteExcerpt(name)));
    return absl::OkStatus();
  }
  std::string_view token = ReadToken();
  if (token == "nil") {
    *out = Value::Nil();
  } else if (token == "true" || token == "false") {
    *out = Value::Bool(token == "true");
  } else if (IsDigit(token[0]) || ((token[0] == '-' || token[0] == '+') &&
                                   token.size() > 1 && IsDigit(token[1]))) {
    int64_t i;
    double d;
    if (ParseInt(token, &i)) {
      *out = Value::Int(i);
    } else if (token.find_first_of(".eEM") != std::string_view::npos &&
               ParseDouble(token, &d)) {
      *out = Value::Double(d);
    } else {
      return Error(jepsen::Cat("bad or out-of-range number ",
                               core::base::QuoteExcerpt(token)));
    }
  } else if (token[0] == ':') {
    if (token.size() == 1 || (token[1] == ':' && token.size() == 2)) {
      return Error("empty keyword ':'");
    }
    *out = Value::Keyword(std::string(token.substr(token[1] == ':' ? 2 : 1)));
  } else {
    *out = Value::Symbol(std::string(token));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Value>> ParseEdn(std::string_view text) {
  EdnReader reader(text);
  std::vector<Value> forms;
  while (true) {
    Value form;
    absl::StatusOr<bool> more = reader.Next(&form);
    if (!more.ok()) return more.status();
    if (!*more) return forms;
    forms.push_back(std::move(form));
  }
}

}  // namespace jepsen::history
