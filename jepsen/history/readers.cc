#include "jepsen/history/readers.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>

#include "absl/status/status.h"
#include "core/base/bytes.h"
#include "jepsen/history/cat.h"
#include "jepsen/history/edn.h"
#include "jepsen/history/files.h"
#include "jepsen/history/json_lines.h"

namespace jepsen::history {
namespace {

absl::Status LineError(int line, std::string_view message) {
  return absl::InvalidArgumentError(jepsen::Cat("line ", line, ": ", message));
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The first line that is not blank and not an EDN comment.
std::string_view FirstMeaningfulLine(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view row = text.substr(pos, end - pos);
    pos = end + 1;
    size_t first = row.find_first_not_of(" \t\r,");
    if (first == std::string_view::npos || row[first] == ';') continue;
    return row.substr(first);
  }
  return {};
}

absl::StatusOr<History> OpsFromForms(const std::vector<Value>& forms) {
  // Either a single vector (or list) of op maps, or op maps at top level.
  const std::vector<Value>* maps = &forms;
  if (forms.size() == 1 && forms[0].is_vector()) maps = &forms[0].items();
  History history;
  for (const Value& form : *maps) {
    if (!form.is_map()) {
      return LineError(form.line(),
                       jepsen::Cat("expected an op map, got ",
                                   core::base::QuoteExcerpt(form.ToEdn())));
    }
    absl::StatusOr<std::optional<Op>> op = OpFromMap(form, form.line());
    if (!op.ok()) return op.status();
    if (op->has_value()) history.ops.push_back(std::move(**op));
  }
  return history;
}

// Splits off the next whitespace-separated token of *rest.
std::string_view NextToken(std::string_view* rest) {
  size_t start = 0;
  while (start < rest->size() && IsSpace((*rest)[start])) ++start;
  size_t end = start;
  while (end < rest->size() && !IsSpace((*rest)[end])) ++end;
  std::string_view token = rest->substr(start, end - start);
  rest->remove_prefix(end);
  return token;
}

// Parses the part after "jepsen.util - ": `<process> :<type> :<f> <value>`.
absl::StatusOr<std::optional<Op>> ParseLogFields(std::string_view rest,
                                                 int line) {
  std::string_view process_token = NextToken(&rest);
  std::string_view type_token = NextToken(&rest);
  std::string_view f_token = NextToken(&rest);
  if (f_token.empty())
    return LineError(line, "expected `<process> :<type> :<f> [value]`");
  EdnReader process_reader(process_token, line);
  Value process;
  absl::StatusOr<bool> read = process_reader.Next(&process);
  if (!read.ok()) return read.status();
  if (!process.is_int()) {
    if (process.kind() == Value::Kind::kKeyword)
      return std::optional<Op>();  // :nemesis
    return LineError(
        line,
        jepsen::Cat("bad process ", core::base::QuoteExcerpt(process_token)));
  }
  if (type_token.size() < 2 || type_token[0] != ':' || f_token.size() < 2 ||
      f_token[0] != ':') {
    return LineError(line, "expected keywords for the op type and function");
  }
  std::optional<OpType> type = ParseOpType(type_token.substr(1));
  if (!type.has_value()) {
    return LineError(line, jepsen::Cat("unknown op type ",
                                       core::base::QuoteExcerpt(type_token)));
  }
  Op op;
  op.type = *type;
  op.process = process.int_value();
  op.f = std::string(f_token.substr(1));
  op.line = line;
  EdnReader value_reader(rest, line);
  absl::StatusOr<bool> has_value = value_reader.Next(&op.value);
  if (!has_value.ok()) return has_value.status();
  return std::optional<Op>(std::move(op));
}

// The fields of an op map that OpFromMap reads, except :value, :key and
// :error, which its callers copy or move (nullptr: absent).
struct OpFields {
  const Value* type = nullptr;
  const Value* process = nullptr;
  const Value* f = nullptr;
  const Value* time = nullptr;
  const Value* index = nullptr;
};

// The op from its fields, without :value, :key and :error; nullopt for ops
// to skip (a :process that is not an integer).
absl::StatusOr<std::optional<Op>> OpFromFields(const OpFields& fields,
                                               int line) {
  const Value* type = fields.type;
  if (type == nullptr || !type->AsName().has_value()) {
    return LineError(line, "op has no :type");
  }
  std::optional<OpType> op_type = ParseOpType(*type->AsName());
  if (!op_type.has_value()) {
    return LineError(line,
                     jepsen::Cat("unknown op :type ",
                                 core::base::QuoteExcerpt(type->ToEdn())));
  }
  const Value* process = fields.process;
  if (process == nullptr) return LineError(line, "op has no :process");
  if (!process->is_int()) return std::optional<Op>();  // :nemesis and the like
  Op op;
  op.type = *op_type;
  op.process = process->int_value();
  op.line = line;
  if (const Value* f = fields.f; f != nullptr) {
    if (!f->AsName().has_value())
      return LineError(line, "op :f must be a keyword or string");
    op.f = std::string(*f->AsName());
  }
  if (const Value* time = fields.time; time != nullptr && time->is_int())
    op.time_ns = time->int_value();
  if (const Value* index = fields.index; index != nullptr && index->is_int())
    op.index = index->int_value();
  return std::optional<Op>(std::move(op));
}

// The names of the fields an op map's reader keeps: OpFields' in order, then
// :value, :key, :error.
constexpr std::string_view kOpFieldNames[] = {
    "type", "process", "f", "time", "index", "value", "key", "error"};
constexpr size_t kOpFieldCount = std::size(kOpFieldNames);

// Streams one op map `{:k v ...}` from `reader` (at its '{', `depth`
// collections deep) into `values`, the first binding of each kept name (as
// Value::Map keeps it); the other values are read and dropped. False, at
// any position, for a map this cannot read so (a key that is not a plain
// keyword, malformed input): the caller then reads the input as forms.
bool StreamOpMap(EdnReader& reader, int depth,
                 std::array<Value, kOpFieldCount>& values, uint32_t& present) {
  reader.Advance();
  Value dropped;
  while (true) {
    if (reader.Peek() == '}') {
      reader.Advance();
      return true;
    }
    std::optional<std::string_view> name = reader.ReadPlainKeyword();
    if (!name.has_value()) return false;
    const size_t field = static_cast<size_t>(
        std::find(std::begin(kOpFieldNames), std::end(kOpFieldNames), *name) -
        std::begin(kOpFieldNames));
    const bool keep = field < kOpFieldCount && (present >> field & 1) == 0;
    if (!reader.ReadNested(depth + 1, keep ? &values[field] : &dropped).ok())
      return false;
    if (keep) present |= uint32_t{1} << field;
  }
}

// The op of a streamed map (StreamOpMap), appended to `history` unless
// skipped; false if OpFromFields refuses it.
bool AddStreamedOp(std::array<Value, kOpFieldCount>& values, uint32_t present,
                   int line, History& history) {
  auto field = [&](size_t i) {
    return (present >> i & 1) ? &values[i] : nullptr;
  };
  const OpFields fields{field(0), field(1), field(2), field(3), field(4)};
  absl::StatusOr<std::optional<Op>> op = OpFromFields(fields, line);
  if (!op.ok()) return false;
  if (!op->has_value()) return true;
  if (Value* value = field(5); value != nullptr)
    (*op)->value = std::move(*value);
  if (Value* key = field(6); key != nullptr) (*op)->key = std::move(*key);
  if (Value* error = field(7); error != nullptr)
    (*op)->error = std::move(*error);
  history.ops.push_back(std::move(**op));
  return true;
}

// ParseEdnHistory without building the forms: op maps with plain keyword
// keys, at top level or in one vector (or list). A history file holds
// thousands of them, and building each as a Value::Map (a string per key)
// to copy out five fields cost most of a small check's time. nullopt for
// anything else, malformed input among it: the caller then reads forms,
// which gives the same history or the error to report.
std::optional<History> StreamEdnHistory(std::string_view text) {
  EdnReader reader(text);
  History history;
  const std::optional<char> open = reader.Peek();
  const bool wrapped = open == '[' || open == '(';
  if (wrapped) reader.Advance();
  while (true) {
    const std::optional<char> c = reader.Peek();
    if (wrapped && c == (open == '(' ? ')' : ']')) {
      reader.Advance();
      if (reader.Peek().has_value()) return std::nullopt;
      return history;
    }
    if (!wrapped && !c.has_value()) return history;
    if (c != '{') return std::nullopt;
    const int line = reader.line();
    std::array<Value, kOpFieldCount> values;
    uint32_t present = 0;
    if (!StreamOpMap(reader, wrapped ? 1 : 0, values, present) ||
        !AddStreamedOp(values, present, line, history))
      return std::nullopt;
  }
}

}  // namespace

std::optional<Format> ParseFormatName(std::string_view name) {
  if (name == "auto") return Format::kAuto;
  if (name == "edn") return Format::kEdn;
  if (name == "log") return Format::kJepsenLog;
  if (name == "jsonl" || name == "json") return Format::kJsonLines;
  return std::nullopt;
}

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kAuto:
      return "auto";
    case Format::kEdn:
      return "edn";
    case Format::kJepsenLog:
      return "log";
    case Format::kJsonLines:
      return "jsonl";
  }
  return "?";
}

Format DetectFormat(std::string_view text) {
  std::string_view row = FirstMeaningfulLine(text);
  if (row.empty()) return Format::kAuto;
  // Everything from the first meaningful character on, so that a JSON array
  // whose first object starts on the next line is still recognised.
  std::string_view rest =
      text.substr(static_cast<size_t>(row.data() - text.data()));
  auto next = [&rest](size_t from) {
    while (from < rest.size() && IsSpace(rest[from])) ++from;
    return from;
  };
  // JSON: an object whose first key is a string, or an array of such objects.
  if (rest[0] == '[') {
    size_t i = next(1);
    if (i < rest.size() && rest[i] == '{') {
      size_t j = next(i + 1);
      if (j < rest.size() && rest[j] == '"') return Format::kJsonLines;
    }
    return Format::kEdn;
  }
  if (rest[0] == '{') {
    size_t j = next(1);
    return (j < rest.size() && rest[j] == '"') ? Format::kJsonLines
                                               : Format::kEdn;
  }
  if (rest[0] == '(' || rest[0] == '#') return Format::kEdn;
  if (text.find("jepsen.util") != std::string_view::npos)
    return Format::kJepsenLog;
  return Format::kAuto;
}

absl::StatusOr<std::optional<Op>> OpFromMap(const Value& map, int line) {
  const OpFields fields{map.Find("type"), map.Find("process"), map.Find("f"),
                        map.Find("time"), map.Find("index")};
  absl::StatusOr<std::optional<Op>> op = OpFromFields(fields, line);
  if (!op.ok() || !op->has_value()) return op;
  if (const Value* value = map.Find("value"); value != nullptr)
    (*op)->value = *value;
  if (const Value* key = map.Find("key"); key != nullptr) (*op)->key = *key;
  if (const Value* error = map.Find("error"); error != nullptr)
    (*op)->error = *error;
  return op;
}

absl::StatusOr<History> ParseEdnHistory(std::string_view text) {
  if (std::optional<History> history = StreamEdnHistory(text))
    return *std::move(history);
  return ParseEdnHistoryAsForms(text);
}

absl::StatusOr<History> ParseEdnHistoryAsForms(std::string_view text) {
  absl::StatusOr<std::vector<Value>> forms = ParseEdn(text);
  if (!forms.ok()) return forms.status();
  return OpsFromForms(*forms);
}

absl::StatusOr<History> ParseJepsenLog(std::string_view text) {
  History history;
  int line = 0;
  int util_lines = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view row = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    size_t marker = row.find("jepsen.util");
    if (marker == std::string_view::npos) continue;
    ++util_lines;
    std::string_view rest =
        row.substr(marker + std::string_view("jepsen.util").size());
    size_t dash = rest.find_first_not_of(" \t");
    if (dash == std::string_view::npos || rest[dash] != '-') {
      return LineError(
          line, "expected 'jepsen.util - <process> :<type> :<f> [value]'");
    }
    absl::StatusOr<std::optional<Op>> op =
        ParseLogFields(rest.substr(dash + 1), line);
    if (!op.ok()) return op.status();
    if (op->has_value()) history.ops.push_back(std::move(**op));
  }
  // Noise lines are skipped, but input made of nothing else (random bytes,
  // a file in another format) is not an empty history: say so.
  if (util_lines == 0 && !FirstMeaningfulLine(text).empty()) {
    return LineError(1, jepsen::Cat("no Jepsen log line (`jepsen.util - "
                                    "<process> :<type> :<f> [value]`) in ",
                                    line, " lines: not a Jepsen log"));
  }
  return history;
}

absl::StatusOr<History> ParseHistory(std::string_view text, Format format) {
  if (format == Format::kAuto) {
    format = DetectFormat(text);
    if (format == Format::kAuto) {
      if (FirstMeaningfulLine(text).empty()) return History();
      return absl::InvalidArgumentError(
          "line 1: cannot tell the history format (expected EDN op maps, JSON "
          "lines or "
          "Jepsen log lines); pass --format");
    }
  }
  switch (format) {
    case Format::kEdn:
      return ParseEdnHistory(text);
    case Format::kJepsenLog:
      return ParseJepsenLog(text);
    case Format::kJsonLines:
      return ParseJsonLines(text);
    case Format::kAuto:
      break;
  }
  return absl::InvalidArgumentError("unknown format");
}

absl::StatusOr<History> ReadHistoryFile(const std::string& path,
                                        Format format) {
  absl::StatusOr<std::string> contents = ReadWholeFile(path);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<History> history = ParseHistory(*contents, format);
  if (!history.ok()) {
    return absl::InvalidArgumentError(jepsen::Cat(
        core::base::QuoteExcerpt(path, core::base::kPathExcerptBytes), ": ",
        history.status().message()));
  }
  return history;
}

}  // namespace jepsen::history
