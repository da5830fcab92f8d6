"""The Raft core library, and its -O2 build for the model checker."""

RAFT_SRCS = [
    "raft.cc",
    "raft_log.cc",
    "raw_node.cc",
    "read_only.cc",
    "storage.cc",
]

RAFT_HDRS = [
    "raft.h",
    "raft_log.h",
    "raw_node.h",
    "read_only.h",
    "storage.h",
]

# Designated initializers of message structs leave the remaining fields at
# their defaults on purpose; GCC's -Wextra warns about that.
RAFT_COPTS = ["-Wno-missing-field-initializers"]

RAFT_DEPS = [
    ":codec",
    ":types",
    "//core/base:bytes",
    "//core/base:check",
    "//core/base:mutant",
    "//core/base:prng",
    "//core/base:result",
    "//core/raft/confchange",
    "//core/raft/quorum",
    "//core/raft/tracker",
    "//third_party:abseil",
]

def raft_library(name, optimize = False, visibility = None):
    """A cc_library of the Raft core.

    `optimize` compiles with -O2 even in fastbuild: model checking runs
    millions of steps, and its tests must stay fast in every configuration.
    """
    native.cc_library(
        name = name,
        srcs = RAFT_SRCS,
        hdrs = RAFT_HDRS,
        copts = RAFT_COPTS + (["-O2"] if optimize else []),
        visibility = visibility,
        deps = RAFT_DEPS,
    )
