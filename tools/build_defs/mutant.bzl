"""Mutant tests: a target built with known bugs compiled in must catch one.

A mutant is a known bug behind `if (MUTANT(<AREA>_<NAME>))` in the real
source (core/base/mutant.h). `mutant_test(name, target, define, args)`
builds `target` (a cc_test or cc_binary, with everything it depends on) in
the mutant configuration, and runs it with `args` and the environment
variable MUTANT=<AREA>_<NAME> (the define without its MUTANT_ prefix), which
turns that one bug on. The test passes iff the target exits 0, so the target
is written to succeed when the bug is caught: a gtest case that asserts some
checker reports a violation (selected with `--gtest_filter=`), or the sim
runner with `--expect_failure`. Such a target is tagged `manual`: run
without a mutant it has no bug to catch and fails. It also
depends on //tools/mutant:select, which answers MUTANT(NAME) from that
variable (a mutant build of a target without it fails to link).

The mutant configuration is one and the same for every mutant test: -O2
(the sim runner's sweeps cover thousands of seeds), -DMUTANT_BUILD, static
linking (--dynamic_mode=off: one link per test rather than a shared library
per dependency, and a cc_test then uses the same objects as a cc_binary).
So every mutant test shares one build of each library, whatever bug it
selects: CI compiles the mutant closure once, not once per bug. Sanitizer
flags and -O/-g levels from the command line (--config=asan) are dropped: a
mutant build checks that a verification layer catches a bug; the sanitizer
runs of the unmutated code cover the code itself.

Every mutant test is tagged `mutant`; tools/test.sh runs them in the default
pass and leaves them out of the ASan pass (their build is unsanitized).
"""

# Flags of the invocation that the mutant build drops: sanitizers, and the
# optimization and debug levels that come with them.
def _is_dropped_flag(flag):
    return (flag.startswith("-fsanitize") or flag.startswith("-fno-sanitize") or
            flag.startswith("-O") or flag.startswith("-g"))

# Runs the mutant binary. With a --gtest_filter the run must have passed at
# least one case: gtest exits 0 when the filter matches nothing, which would
# let a renamed case turn a mutant test into one that cannot fail.
_SCRIPT = """#!/bin/sh
filtered=0
for arg in "$@"; do
  case "$arg" in --gtest_filter=*) filtered=1 ;; esac
done
MUTANT={mutant}
export MUTANT
if [ "$filtered" -eq 0 ]; then exec ./{binary} "$@"; fi
out="${{TEST_TMPDIR:-/tmp}}/mutant_output.$$"
./{binary} "$@" > "$out" 2>&1
status=$?
cat "$out"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if ! grep -Eq '^\\[  PASSED  \\] [1-9][0-9]* tests?[.,]' "$out"; then
  echo "mutant_test: the --gtest_filter selected no test case" >&2
  exit 1
fi
"""

def _mutant_transition_impl(settings, attr):
    copts = [c for c in settings["//command_line_option:copt"] if not _is_dropped_flag(c)]
    linkopts = [c for c in settings["//command_line_option:linkopt"] if not _is_dropped_flag(c)]
    return {
        "//command_line_option:compilation_mode": "opt",
        "//command_line_option:copt": copts + ["-O2", "-DMUTANT_BUILD"],
        "//command_line_option:dynamic_mode": "off",
        "//command_line_option:linkopt": linkopts,
    }

_mutant_transition = transition(
    implementation = _mutant_transition_impl,
    inputs = [
        "//command_line_option:copt",
        "//command_line_option:linkopt",
    ],
    outputs = [
        "//command_line_option:compilation_mode",
        "//command_line_option:copt",
        "//command_line_option:dynamic_mode",
        "//command_line_option:linkopt",
    ],
)

def _mutant_test_impl(ctx):
    if not ctx.attr.define.startswith("MUTANT_"):
        fail("define must be a MUTANT_<AREA>_<NAME> name, got " + ctx.attr.define)
    info = ctx.attr.target[0][DefaultInfo]
    executable = info.files_to_run.executable
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = script,
        content = _SCRIPT.format(
            binary = executable.short_path,
            mutant = ctx.attr.define[len("MUTANT_"):],
        ),
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = [executable]).merge(info.default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

_mutant_test = rule(
    implementation = _mutant_test_impl,
    test = True,
    attrs = {
        "target": attr.label(
            cfg = _mutant_transition,
            executable = True,
            mandatory = True,
        ),
        "define": attr.string(mandatory = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)

def mutant_test(name, target, define, args = [], tags = [], **kwargs):
    """A test that passes iff `target`, running mutant `define`, exits 0.

    Args:
      name: the test's name; keep the mutant's name in it
        (`mutant_<name>_test`).
      target: the cc_test or cc_binary that exits 0 iff it catches the bug,
        normally tagged `manual`.
      define: MUTANT_<AREA>_<NAME>, the bug to turn on.
      args: command-line arguments for `target` (e.g. a --gtest_filter).
      tags: extra tags; `mutant` is always added.
      **kwargs: other test attributes (size, timeout, ...).
    """
    _mutant_test(
        name = name,
        target = target,
        define = define,
        args = args,
        tags = tags + ["mutant"],
        **kwargs
    )
