// Cat(a, b, ...): string concatenation through operator<<. Used for error
// messages; Debian's abseil has its own string_view that absl::StrCat does not
// accept from std::string_view, so we do not use StrCat here.
#ifndef JEPSEN_HISTORY_CAT_H_
#define JEPSEN_HISTORY_CAT_H_

#include <sstream>
#include <string>

namespace jepsen {

template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

}  // namespace jepsen

#endif  // JEPSEN_HISTORY_CAT_H_
