// Whole-text decimal integers, for parsers of untrusted text (command-line
// flags, fault schedules, seed ranges): the one integer parser of the tree.
#ifndef CORE_BASE_NUMBERS_H_
#define CORE_BASE_NUMBERS_H_

#include <charconv>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>

namespace core::base {

// `text` as an integer in [min, max]: decimal digits, with a leading '-'
// for signed types only, and nothing before or after them (no spaces, no
// '+', no "0x"). nullopt for anything else, a value that does not fit
// `Int` among them: never a wrapped or clamped value.
template <typename Int>
std::optional<Int> ParseInteger(std::string_view text,
                                Int min = std::numeric_limits<Int>::min(),
                                Int max = std::numeric_limits<Int>::max()) {
  Int value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

}  // namespace core::base

#endif  // CORE_BASE_NUMBERS_H_
