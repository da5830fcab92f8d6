"""The NodeSet/Network test harness, buildable over the -O2 Raft core too."""

def raft_testing_library(name, raft, optimize = False, visibility = None):
    """A cc_library of the harness linked against the Raft target `raft`."""
    native.cc_library(
        name = name,
        srcs = [
            "//core/raft/testing:fault_sim.cc",
            "//core/raft/testing:network.cc",
            "//core/raft/testing:node_set.cc",
            "//core/raft/testing:scenarios.cc",
        ],
        hdrs = [
            "//core/raft/testing:fault_sim.h",
            "//core/raft/testing:network.h",
            "//core/raft/testing:node_set.h",
            "//core/raft/testing:scenarios.h",
        ],
        copts = ["-Wno-missing-field-initializers"] + (["-O2"] if optimize else []),
        visibility = visibility,
        deps = [
            raft,
            "//core/base:bytes",
            "//core/base:check",
            "//core/base:prng",
            "//core/raft:codec",
            "//core/raft:types",
            "//core/raft/invariants",
        ],
    )
