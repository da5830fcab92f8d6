// A reader for EDN (extensible data notation), the format Jepsen and Knossos
// write histories in. Supported: nil, true/false, integers (64-bit; an `N`
// suffix is accepted), floats, strings with escapes, characters (read as
// one-character strings), keywords, symbols, lists and vectors (both become
// Value vectors), maps, sets `#{}`, comments `;`, discard `#_`, and `##Inf`
// style symbolic floats. A tagged literal `#tag form` (e.g. `#inst "..."` or
// Jepsen's `#jepsen.history.Op{...}` records) yields the untagged form.
//
// Malformed input never crashes: it yields InvalidArgument naming the line,
// e.g. "line 3: unterminated vector opened at line 2". Nesting deeper than
// kMaxEdnDepth is rejected rather than risking the stack.
#ifndef JEPSEN_HISTORY_EDN_H_
#define JEPSEN_HISTORY_EDN_H_

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "jepsen/history/value.h"

namespace jepsen::history {

inline constexpr int kMaxEdnDepth = 200;

// Reads top-level forms one at a time from `text`; the text must outlive the
// reader. `first_line` is the line number of the first character of `text`.
class EdnReader {
 public:
  explicit EdnReader(std::string_view text, int first_line = 1);

  // Reads the next top-level form into *out. Returns false at end of input.
  absl::StatusOr<bool> Next(Value* out);

  // Line of the reader's current position (after the last form read).
  int line() const { return line_; }

  // Streaming, for readers of inputs too big to build whole (a history file
  // is one vector of thousands of op maps): they walk the collections around
  // the forms they keep and read only those forms. The next character after
  // space and comments; nullopt at end of input.
  std::optional<char> Peek();
  // Consumes the character Peek() returned (an opening or closing bracket).
  void Advance() { ++pos_; }
  // If the next form is a plain keyword (`:name`, not `::name`), consumes it
  // and returns its name; otherwise consumes nothing and returns nullopt.
  std::optional<std::string_view> ReadPlainKeyword();
  // Reads the next form, `depth` collections deep, as Next() would.
  absl::Status ReadNested(int depth, Value* out) {
    return ReadForm(depth, out);
  }

 private:
  absl::Status Error(std::string_view message) const;
  void SkipSpaceAndComments();
  absl::Status ReadForm(int depth, Value* out);
  absl::Status ReadCollection(char close, int depth, std::vector<Value>* items);
  absl::Status ReadString(Value* out);
  absl::Status ReadDispatch(int depth, Value* out);
  absl::Status ReadAtom(Value* out);
  std::string_view ReadToken();

  std::string_view text_;
  size_t pos_ = 0;
  int line_;
};

// Parses every top-level form of `text`.
absl::StatusOr<std::vector<Value>> ParseEdn(std::string_view text);

}  // namespace jepsen::history

#endif  // JEPSEN_HISTORY_EDN_H_
