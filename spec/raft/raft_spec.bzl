"""The Raft explorer model, buildable over the real core or a mutant."""

def raft_model_library(name, raft, testing, visibility = None):
    """cc_library of spec/raft's model linked against `raft` and `testing`."""
    native.cc_library(
        name = name,
        srcs = ["raft_model.cc"],
        hdrs = ["raft_model.h"],
        copts = ["-Wno-missing-field-initializers", "-O2"],
        visibility = visibility,
        deps = [
            raft,
            testing,
            "//core/base:check",
            "//core/base:prng",
            "//core/raft:codec",
            "//core/raft/invariants",
            "//spec/explorer",
        ],
    )
