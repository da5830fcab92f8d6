"""The actions library, buildable with extra defines (for mutants)."""

_SRCS = [
    "acquire_pessimistic_lock.cc",
    "check_secondary_locks.cc",
    "check_txn_status.cc",
    "cleanup.cc",
    "commit.cc",
    "gc.cc",
    "pessimistic_rollback.cc",
    "prewrite.cc",
    "resolve_lock.cc",
    "rollback_lock.cc",
    "scan_lock.cc",
    "txn_heart_beat.cc",
    "txn_types.cc",
]

_HDRS = [
    "acquire_pessimistic_lock.h",
    "check_secondary_locks.h",
    "check_txn_status.h",
    "cleanup.h",
    "commit.h",
    "gc.h",
    "pessimistic_rollback.h",
    "prewrite.h",
    "resolve_lock.h",
    "rollback_lock.h",
    "scan_lock.h",
    "txn_heart_beat.h",
    "txn_types.h",
]

def actions_library(name, defines = [], visibility = None):
    native.cc_library(
        name = name,
        srcs = _SRCS,
        hdrs = _HDRS,
        local_defines = defines,
        visibility = visibility,
        deps = [
            "//core/base:check",
            "//core/base:result",
            "//core/base:timestamp",
            "//core/mvcc",
            "//core/mvcc:codec",
            "//core/mvcc:errors",
            "//core/txn:concurrency_manager",
            "//core/txn:validate",
            "//third_party:abseil",
        ],
    )
