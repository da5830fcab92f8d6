// The `check` command: reads a history file, checks it against a model and
// prints the verdict with an explanation.
//
//   check --model=MODEL [options] HISTORY
//
// Exit status: 0 valid, 1 invalid, 2 unknown (a time limit was hit), the
// input could not be read or parsed (the message names the line), or the
// command line was wrong.
#ifndef JEPSEN_CLI_CHECK_MAIN_H_
#define JEPSEN_CLI_CHECK_MAIN_H_

#include <ostream>
#include <string>
#include <vector>

namespace jepsen::cli {

inline constexpr int kExitValid = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUnknownOrError = 2;

// `args` excludes the program name. Writes the report to `out` and errors
// to `err`.
int RunCheck(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);

}  // namespace jepsen::cli

#endif  // JEPSEN_CLI_CHECK_MAIN_H_
