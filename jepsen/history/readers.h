// Readers for the three history formats, and format detection.
//
//  * EDN (Jepsen, Knossos, Elle): a vector of op maps, or one op map per
//    top-level form (usually one per line). Maps carry :type, :process, :f,
//    :value and optionally :key, :time, :index, :error. Ops whose :process is
//    not an integer (:nemesis) are skipped. See edn.h for the syntax accepted.
//  * Jepsen logger lines: `INFO  jepsen.util - 3	:invoke	:cas	[1 4]`,
//    with tabs or spaces between fields; the value is the rest of the line
//    read as EDN (absent means nil). Lines without "jepsen.util" are log
//    noise and are skipped; a line with it that does not parse is an error,
//    and so is input with no such line at all (random bytes, another format).
//  * JSON lines: see json_lines.h.
//
// A reader that recognises nothing in its input says so: blank input is an
// empty history, but input that is not blank and holds no history form is
// an error. Every error is InvalidArgument naming the line, and quotes bad
// input through core::base::QuoteExcerpt; no input crashes a reader.
#ifndef JEPSEN_HISTORY_READERS_H_
#define JEPSEN_HISTORY_READERS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "jepsen/history/history.h"

namespace jepsen::history {

enum class Format { kAuto, kEdn, kJepsenLog, kJsonLines };

// "auto", "edn", "log", "jsonl".
std::optional<Format> ParseFormatName(std::string_view name);
std::string_view FormatName(Format format);

// Guesses the format from the first meaningful line; kAuto if it cannot.
Format DetectFormat(std::string_view text);

// EDN op maps with plain keyword keys are streamed, the rest (and every
// error) read as whole forms by ParseEdnHistoryAsForms, the reference the
// streaming reader is tested against: both give the same history or error.
absl::StatusOr<History> ParseEdnHistory(std::string_view text);
absl::StatusOr<History> ParseEdnHistoryAsForms(std::string_view text);
absl::StatusOr<History> ParseJepsenLog(std::string_view text);

// Parses `text` in `format` (kAuto detects it first).
absl::StatusOr<History> ParseHistory(std::string_view text,
                                     Format format = Format::kAuto);

// Reads and parses a file (files.h). NotFound / InvalidArgument name the
// path; a parse error is "'<path>': line N: ...".
absl::StatusOr<History> ReadHistoryFile(const std::string& path,
                                        Format format = Format::kAuto);

// Converts one EDN or JSON op map. Returns nullopt for ops to skip (non-integer
// process such as :nemesis). `line` is used in errors and stored in the op.
absl::StatusOr<std::optional<Op>> OpFromMap(const Value& map, int line);

}  // namespace jepsen::history

#endif  // JEPSEN_HISTORY_READERS_H_
