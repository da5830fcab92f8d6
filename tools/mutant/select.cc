// The definition of core::base::MutantSelected for the mutant build: the
// process runs the mutant named by its MUTANT environment variable. Linked
// into every target a mutant test runs; empty in every other build.
#include "core/base/mutant.h"

#if defined(MUTANT_BUILD)
#include <cstdlib>
#include <string>

namespace core::base {

bool MutantSelected(std::string_view name) {
  static const std::string selected = [] {
    const char* value = std::getenv("MUTANT");
    return std::string(value == nullptr ? "" : value);
  }();
  return name == selected;
}

}  // namespace core::base
#endif
