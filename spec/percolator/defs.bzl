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
