// Mutants: known bugs compiled into the real source, each of which some
// verification layer (a checker, a sweep, a model test) must catch.
//
//   if (MUTANT(RAFT_FIGURE8)) {
//     ... the known bug ...
//   } else {
//     ... the real code ...
//   }
//
// In every ordinary build MUTANT(NAME) is the constant `false`: the bug is
// type-checked and compiled out. In the one mutant build (-DMUTANT_BUILD,
// set by tools/build_defs/mutant.bzl for every mutant test) it asks which
// mutant the process runs, so that every mutant shares one build rather
// than rebuilding the whole program once per bug. The answer comes from the
// program, not from this header: core::base::MutantSelected is declared
// here and defined by //tools/mutant:select, which every mutant target
// links, so that the cores stay free of globals and of the environment.
// That library reads the name from the MUTANT environment variable
// (`MUTANT=RAFT_FIGURE8 ./sim ...`); without it a mutant build runs the
// real code.
//
// Names are <AREA>_<NAME> (RAFT_FIGURE8, PD_TSO_UNPERSISTED); each is
// checked in one library only, and by the test that expects it caught.
#ifndef CORE_BASE_MUTANT_H_
#define CORE_BASE_MUTANT_H_

#if defined(MUTANT_BUILD)
#include <string_view>

namespace core::base {
// Whether this process runs mutant `name`. Defined by //tools/mutant:select.
bool MutantSelected(std::string_view name);
}  // namespace core::base

#define MUTANT(NAME) (::core::base::MutantSelected(#NAME))
#else
#define MUTANT(NAME) false
#endif

#endif  // CORE_BASE_MUTANT_H_
