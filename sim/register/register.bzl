"""The register node driver library, plain and with the fault points on."""

REGISTER_NODE_SRCS = [
    "kv_state_machine.cc",
    "protocol.cc",
    "register_node.cc",
]

REGISTER_NODE_HDRS = [
    "kv_state_machine.h",
    "protocol.h",
    "register_node.h",
]

# Designated initializers leave the remaining fields at their defaults on
# purpose; GCC's -Wextra warns about that.
REGISTER_COPTS = ["-Wno-missing-field-initializers"]

# Driver-tier dependencies only (no simulator dependency).
REGISTER_NODE_DEPS = [
    "//core/base:bytes",
    "//core/base:check",
    "//core/base:prng",
    "//core/base:result",
    "//core/base:time",
    "//core/env",
    "//core/env:fault_points",
    "//core/raft",
    "//core/raft:codec",
    "//core/raft:types",
    "//core/raft/invariants",
    "//store/transport",
    "//third_party:abseil",
]

def register_node_library(name, peer, defines = [], visibility = None):
    """A cc_library of the register node over the peer library `peer`,
    with extra local defines."""
    native.cc_library(
        name = name,
        srcs = REGISTER_NODE_SRCS,
        hdrs = REGISTER_NODE_HDRS,
        copts = REGISTER_COPTS,
        local_defines = defines,
        visibility = visibility,
        deps = REGISTER_NODE_DEPS + [peer],
    )

REGISTER_SIM_SRCS = [
    "client.cc",
    "register_host.cc",
    "register_oracle.cc",
    "register_sim.cc",
]

REGISTER_SIM_HDRS = [
    "client.h",
    "register_host.h",
    "register_oracle.h",
    "register_sim.h",
]

REGISTER_SIM_DEPS = [
    "//core/base:bytes",
    "//core/base:check",
    "//core/base:prng",
    "//core/base:time",
    "//core/env",
    "//core/env:channel",
    "//core/raft",
    "//core/raft/invariants",
    "//jepsen/history",
    "//jepsen/linear",
    "//sim/checkers:convergence",
    "//sim/checkers:history",
    "//sim/checkers:replicas",
    "//sim/checkers:verdict",
    "//sim/checkers:votes_are_durable",
    "//sim/host:hosts",
    "//sim/host:sim_disk",
    "//sim/loop:sim_loop",
    "//sim/nemesis",
    "//sim/nemesis:generator",
    "//sim/nemesis:schedule",
    "//sim/network:sim_network",
    "//sim/runner:workload",
    "//sim/simulation",
    "//store/transport",
    "//third_party:abseil",
]

def register_sim_library(name, node, visibility = None):
    """The simulation harness over the register node library `node`."""
    native.cc_library(
        name = name,
        srcs = REGISTER_SIM_SRCS,
        hdrs = REGISTER_SIM_HDRS,
        copts = REGISTER_COPTS,
        visibility = visibility,
        deps = REGISTER_SIM_DEPS + [node],
    )
