"""The PD server driver library, plain and with the fault points on."""

PD_SERVER_SRCS = [
    "convert.cc",
    "etcd_service.cc",
    "pd_grpc.cc",
    "pd_member.cc",
    "pd_service.cc",
    "pd_service_regions.cc",
    "pd_state_machine.cc",
]

PD_SERVER_HDRS = [
    "convert.h",
    "etcd_service.h",
    "pd_grpc.h",
    "pd_member.h",
    "pd_service.h",
    "pd_state_machine.h",
]

# Designated initializers leave the remaining fields at their defaults on
# purpose; GCC's -Wextra warns about that.
PD_SERVER_COPTS = ["-Wno-missing-field-initializers"]

# Driver-tier dependencies only (no simulator dependency).
PD_SERVER_DEPS = [
    "//core/base:mutant",
    ":pd_state",
    "//core/base:bytes",
    "//core/base:check",
    "//core/base:prng",
    "//core/base:result",
    "//core/base:time",
    "//core/base:timestamp",
    "//core/env",
    "//core/env:fault_points",
    "//core/raft",
    "//core/raft:codec",
    "//core/raft:types",
    "//core/region",
    "//core/region:metapb_convert",
    "//pd/core/cluster:cluster_view",
    "//pd/core/coordinator",
    "//pd/core/id:id_allocator",
    "//pd/core/operators:operator",
    "//pd/core/operators:step",
    "//pd/core/schedulers",
    "//pd/core/tso",
    "//proto:etcdserverpb",
    "//proto:health",
    "//proto:pdpb",
    "//rpc",
    "//store/transport",
    "//third_party:abseil",
]

def pd_server_library(name, peer, defines = [], visibility = None):
    """A cc_library of the PD server over the peer library `peer`, with
    extra local defines."""
    native.cc_library(
        name = name,
        srcs = PD_SERVER_SRCS,
        hdrs = PD_SERVER_HDRS,
        copts = PD_SERVER_COPTS,
        local_defines = defines,
        visibility = visibility,
        deps = PD_SERVER_DEPS + [peer],
    )
