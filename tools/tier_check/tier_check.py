#!/usr/bin/env python3
"""The tier check: fails when a dependency or a source file breaks the tier rule.

The three tiers (see DESIGN.md, "Three tiers, one seam"):
  1. pure cores     //core/..., //pd/core/...
  2. drivers        //store/..., //client/..., //rpc/..., //pd/server/...
                    (and //proto/..., the wire messages, which cores and
                    drivers may both use: generated data types, no env)
  3. env impls      //sim/..., //runtime/... (and //fibre/..., the fibres
                    both run on)

Rules:
  PURE_DEPENDS_ON_DRIVER  no pure target depends on a driver
  PURE_DEPENDS_ON_ENV     no pure target depends on //sim or //runtime
  DRIVER_DEPENDS_ON_ENV   no driver depends on //sim or //runtime: the same
                          driver code runs in both
  DRIVER_DEPENDS_OUTSIDE_TIERS  drivers depend only on cores, proto and
                          drivers (never on //jepsen, //spec or //tests)
  SIM_DEPENDS_ON_RUNTIME  //sim/... never depends on //runtime/...
  RUNTIME_DEPENDS_ON_SIM  //runtime/... never depends on //sim/...
  PURE_SOURCE_USES_ENV    no source file of the pure tier uses threads,
                          system clocks, random devices, sockets or files
  DRIVER_SOURCE_USES_ENV  nor does a driver source: drivers reach the world
                          only through core/env

Usage:
  tools/tier_check/tier_check.py              check the real tree
  tools/tier_check/tier_check.py --self-test  check that planted violations
                                              under tools/tier_check/planted
                                              are each reported

Exit status: 0 clean, 1 violations found, 2 the check itself could not run.
"""

import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Each entry: (regex, what it means). Matched after comments are stripped.
FORBIDDEN_SOURCE_PATTERNS = [
    (r"#\s*include\s*<(thread|mutex|shared_mutex|condition_variable|future|"
     r"stop_token|semaphore|latch|barrier|atomic)>", "threads or synchronisation"),
    (r"#\s*include\s*<(pthread\.h|unistd\.h|fcntl\.h|sys/[a-z_/]+\.h|"
     r"netinet/[a-z_]+\.h|arpa/inet\.h|netdb\.h|poll\.h|dirent\.h)>",
     "operating-system I/O headers"),
    (r"#\s*include\s*<(fstream|filesystem|cstdio|stdio\.h|iostream)>",
     "files or standard streams"),
    (r"#\s*include\s*<(random|ctime|time\.h)>",
     "ambient randomness or wall clocks (use base::Prng, ticks or a now parameter)"),
    (r"#\s*include\s*\"absl/(synchronization|time/clock\.h|random)",
     "abseil threads, clocks or randomness"),
    (r"#\s*include\s*\"(sim|runtime)/", "a simulator or runtime header"),
    (r"\b(system_clock|steady_clock|high_resolution_clock|file_clock)\b", "a system clock"),
    (r"\brandom_device\b|\bstd::rand\b|(?<![\w.>])s?rand\s*\(", "ambient randomness"),
    (r"\bstd::(thread|jthread|async|mutex)\b", "threads"),
    (r"\b(gettimeofday|clock_gettime|getenv|fopen|socket|epoll_\w+)\s*\(",
     "system calls"),
]

# The only exceptions, each with its reason. Keep this list short.
ALLOWED = {
    ("core/base/check.cc", "files or standard streams"):
        "a failed CHECK reports to stderr just before it aborts (fail-stop)",
}

SOURCE_SUFFIXES = (".h", ".cc", ".cpp", ".hpp", ".inc")


class Layout:
    """Where the tiers live: the real tree, or the planted one for the self-test."""

    def __init__(self, prefix):
        self.pure = [prefix + "core", prefix + "pd/core"]
        self.drivers = [prefix + d for d in ("store", "client", "rpc", "pd/server")]
        self.outside = [prefix + d for d in ("jepsen", "spec", "tests")]
        self.sim = [prefix + "sim"]
        self.runtime = [prefix + "runtime"]
        # Shared by both env implementations (fibres); counts as env for
        # cores and drivers.
        self.env_shared = [prefix + "fibre"]


def has_packages(rel_dir):
    for _, _, files in os.walk(os.path.join(ROOT, rel_dir)):
        if "BUILD" in files or "BUILD.bazel" in files:
            return True
    return False


def union(dirs):
    present = ["//%s/..." % d for d in dirs if has_packages(d)]
    return " + ".join(present) if present else None


def bazel_query(expression):
    result = subprocess.run(
        ["bazel", "query", "--noshow_progress", "--output=label", expression],
        cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise RuntimeError("bazel query failed: " + expression)
    return [line for line in result.stdout.splitlines() if line.strip()]


def dependency_violations(rule, sources, forbidden):
    """Labels in `forbidden` reachable from `sources`, each with one path."""
    if sources is None or forbidden is None:
        return []
    found = []
    for label in bazel_query("deps(%s) intersect (%s)" % (sources, forbidden)):
        path = bazel_query("somepath(%s, %s)" % (sources, label))
        found.append("%s: %s" % (rule, " -> ".join(path)))
    return found


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def source_violations(rule, dirs):
    found = []
    for rel_dir in dirs:
        for folder, _, files in sorted(os.walk(os.path.join(ROOT, rel_dir))):
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES):
                    found += scan_file(rule, os.path.join(folder, name))
    return found


def scan_file(rule, path):
    found = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        lines = strip_comments(handle.read()).split("\n")
    rel = os.path.relpath(path, ROOT)
    for number, line in enumerate(lines, start=1):
        for pattern, meaning in FORBIDDEN_SOURCE_PATTERNS:
            if re.search(pattern, line) and (rel, meaning) not in ALLOWED:
                found.append("%s: %s:%d uses %s: %s"
                             % (rule, rel, number, meaning, line.strip()))
    return found


def check(layout):
    """Returns {rule: [violation, ...]} for every rule."""
    pure, drivers = union(layout.pure), union(layout.drivers)
    sim, runtime, outside = union(layout.sim), union(layout.runtime), union(layout.outside)
    env_shared = union(layout.env_shared)
    env = " + ".join(x for x in (sim, runtime, env_shared) if x) or None
    deps = dependency_violations
    return {
        "PURE_DEPENDS_ON_DRIVER": deps("PURE_DEPENDS_ON_DRIVER", pure, drivers),
        "PURE_DEPENDS_ON_ENV": deps("PURE_DEPENDS_ON_ENV", pure, env),
        "DRIVER_DEPENDS_ON_ENV": deps("DRIVER_DEPENDS_ON_ENV", drivers, env),
        "DRIVER_DEPENDS_OUTSIDE_TIERS": deps("DRIVER_DEPENDS_OUTSIDE_TIERS", drivers, outside),
        "SIM_DEPENDS_ON_RUNTIME": deps("SIM_DEPENDS_ON_RUNTIME", sim, runtime),
        "RUNTIME_DEPENDS_ON_SIM": deps("RUNTIME_DEPENDS_ON_SIM", runtime, sim),
        "PURE_SOURCE_USES_ENV": source_violations("PURE_SOURCE_USES_ENV", layout.pure),
        "DRIVER_SOURCE_USES_ENV": source_violations("DRIVER_SOURCE_USES_ENV",
                                                    layout.drivers),
    }


def run_real():
    results = check(Layout(""))
    violations = [v for found in results.values() for v in found]
    for violation in violations:
        print(violation)
    if violations:
        print("tier check: %d violation(s); see DESIGN.md, 'Three tiers, one seam'"
              % len(violations))
        return 1
    print("tier check: clean (%s)" % ", ".join(sorted(results)))
    return 0


def run_self_test():
    """Every rule must fire on the planted tree, or the check is toothless."""
    results = check(Layout("tools/tier_check/planted/"))
    missed = [rule for rule, found in results.items() if not found]
    for rule, found in sorted(results.items()):
        print("self-test: %s caught %d planted violation(s)" % (rule, len(found)))
        for violation in found:
            print("  " + violation)
    if missed:
        print("tier check self-test FAILED: no violation reported for " + ", ".join(missed))
        return 1
    print("tier check self-test: every rule fires on its planted violation")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--self-test", action="store_true",
                        help="check that every rule fires on the planted tree")
    args = parser.parse_args()
    try:
        return run_self_test() if args.self_test else run_real()
    except (RuntimeError, OSError) as error:
        print("tier check could not run: %s" % error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
