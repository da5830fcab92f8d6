"""Mutant tests: the simulator runner, rebuilt with a known bug, must find it.

`sim_mutant_test` builds `binary` (and everything it depends on) in a
configuration that adds `-D<define>` to the C compiler options, then runs
it with `args`; the test passes iff the binary exits 0. With the runner's
`--expect_failure` flag a sweep exits 0 iff some seed fails, so the test
passes iff the sweep catches the mutant.

A configuration transition is used (rather than variant cc_libraries)
because the Raft core's mutant variants are not visible outside
//core/raft and //spec/raft; it rebuilds the binary's whole dependency tree
once per mutant. The transition also builds it optimized and without
sanitizers, whatever the invocation asked for: the tests sweep up to 2,000
seeds, and a sanitizer adds nothing to what they check (the sanitizer runs
of the simulator's own tests cover its code).
"""

# Flags of --config=asan that the mutant build drops: sanitizers, and the
# optimization and debug levels that come with them.
def _is_sanitizer_flag(flag):
    return (flag.startswith("-fsanitize") or flag.startswith("-fno-sanitize") or
            flag.startswith("-O") or flag == "-g")

def _add_define_impl(settings, attr):
    copts = [c for c in settings["//command_line_option:copt"] if not _is_sanitizer_flag(c)]
    linkopts = [c for c in settings["//command_line_option:linkopt"] if not _is_sanitizer_flag(c)]
    return {
        "//command_line_option:compilation_mode": "opt",
        "//command_line_option:copt": copts + ["-O2", "-D" + attr.define],
        "//command_line_option:linkopt": linkopts,
    }

_add_define = transition(
    implementation = _add_define_impl,
    inputs = [
        "//command_line_option:copt",
        "//command_line_option:linkopt",
    ],
    outputs = [
        "//command_line_option:compilation_mode",
        "//command_line_option:copt",
        "//command_line_option:linkopt",
    ],
)

def _sim_mutant_test_impl(ctx):
    info = ctx.attr.binary[0][DefaultInfo]
    binary = info.files_to_run.executable
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = script,
        content = "#!/bin/sh\nexec ./{} {} \"$@\"\n".format(
            binary.short_path,
            " ".join(["'{}'".format(a) for a in ctx.attr.binary_args]),
        ),
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = [binary]).merge(info.default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

sim_mutant_test = rule(
    implementation = _sim_mutant_test_impl,
    test = True,
    attrs = {
        "binary": attr.label(
            cfg = _add_define,
            executable = True,
            mandatory = True,
        ),
        "define": attr.string(mandatory = True),
        "binary_args": attr.string_list(),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
