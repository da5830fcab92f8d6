"""Forwards the rules_java API to Bazel's native Java rules (Bazel 4.2.3).

Nothing in this project is written in Java; Bazel's own tool definitions load
these symbols, and providing them locally keeps the build offline.
"""

def java_binary(**attrs):
    native.java_binary(**attrs)

def java_import(**attrs):
    native.java_import(**attrs)

def java_library(**attrs):
    native.java_library(**attrs)

def java_proto_library(**attrs):
    native.java_proto_library(**attrs)

def java_runtime(**attrs):
    native.java_runtime(**attrs)

def java_toolchain(**attrs):
    native.java_toolchain(**attrs)
