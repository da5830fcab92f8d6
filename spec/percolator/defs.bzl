"""The Percolator model library, buildable over mutant variants of the cores."""

def percolator_model_library(
        name,
        actions = "//core/txn/actions:actions",
        txn_read = "//core/txn:txn_read",
        visibility = None):
    native.cc_library(
        name = name,
        srcs = [
            "invariants.cc",
            "map_store.cc",
            "model.cc",
            "world.cc",
        ],
        hdrs = [
            "invariants.h",
            "map_store.h",
            "model.h",
            "world.h",
        ],
        visibility = visibility,
        deps = [
            actions,
            txn_read,
            "//core/base:bytes",
            "//core/base:check",
            "//core/env:engine",
            "//core/mvcc",
            "//core/mvcc:codec",
            "//core/mvcc:errors",
            "//core/txn:concurrency_manager",
            "//spec/explorer",
            "//third_party:abseil",
        ],
    )

def mutant_test(name, define, model):
    """A test that passes iff the explorer catches the mutant `define`."""
    native.cc_test(
        name = name,
        size = "medium",
        srcs = ["mutant_test.cc"],
        local_defines = [define],
        deps = [
            model,
            "//third_party:gtest_main",
        ],
    )

def percolator_run_library(name, model):
    """RunCase (random_run.h) and the SI history recorder over `model`."""
    native.cc_library(
        name = name,
        testonly = True,
        srcs = [
            "random_run.cc",
            "si_history.cc",
        ],
        hdrs = [
            "random_run.h",
            "si_history.h",
        ],
        deps = [
            model,
            "//core/base:check",
            "//core/base:prng",
            "//core/env:engine",
            "//core/mvcc:codec",
            "//jepsen/elle",
            "//jepsen/history",
            "//third_party:abseil",
        ],
    )

def si_mutant_test(name, define, run):
    """A test that passes iff the SI checker judges a run over `run` invalid."""
    native.cc_test(
        name = name,
        size = "small",
        srcs = ["si_mutant_test.cc"],
        local_defines = [define],
        deps = [
            run,
            "//third_party:gtest_main",
        ],
    )
