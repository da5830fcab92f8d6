#!/usr/bin/env python3
"""Proves that proto/*.proto is a wire-compatible subset of the upstream files.

Upstream is pinned: pingcap/kvproto at the version client-go v2.0.4 uses, etcd's
API module v3.5.2 and grpc-go v1.43.0 (for grpc.health.v1). The modules come from
the Go module proxy through `go mod download` into the ordinary module cache;
nothing fetched is written into the repository.

Both sides are compiled by protoc into descriptor sets. Every package, service,
method (request and response types, streaming flags), message, field (name,
number, type, referenced type, label, oneof membership, packing) and enum value that our
files declare must exist identically upstream. Upstream may have more: a field
we leave out arrives as an unknown field and is skipped.

  proto_compat.py              check, print counts, exit 1 on any mismatch
  proto_compat.py --self-test  plant mismatches in a copy of proto/ and require
                               each to be reported (and the clean copy to pass)

Exits 0 with a "skipped" line, without checking, only when the Go module proxy
cannot be reached (the modules are not in the cache and the download fails on
the network).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    from google.protobuf import descriptor_pb2
except ImportError:
    # Debian's python3-protobuf is installed for Debian's interpreter; a
    # python3 earlier on PATH (pyenv, a venv) may not see it.
    DEBIAN_PYTHON = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and os.path.exists(
        DEBIAN_PYTHON
    ):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)
    sys.exit("proto_compat: needs python3-protobuf (tools/setup.sh installs it)")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OURS_DIR = os.path.join(ROOT, "proto")

KVPROTO = "github.com/pingcap/kvproto@v0.0.0-20221129023506-621ec37aac7a"
ETCD_API = "go.etcd.io/etcd/api/v3@v3.5.2"
GRPC_GO = "google.golang.org/grpc@v1.43.0"
# What etcd's rpc.proto imports, at the versions etcd's go.mod requires.
GOGO = "github.com/gogo/protobuf@v1.3.2"
GRPC_GATEWAY = "github.com/grpc-ecosystem/grpc-gateway@v1.16.0"
MODULES = [KVPROTO, ETCD_API, GRPC_GO, GOGO, GRPC_GATEWAY]

KVPROTO_FILES = [
    "eraftpb.proto",
    "metapb.proto",
    "errorpb.proto",
    "kvrpcpb.proto",
    "raft_serverpb.proto",
    "raft_cmdpb.proto",
    "tikvpb.proto",
    "pdpb.proto",
]

NETWORK_ERRORS = re.compile(
    r"dial tcp|no such host|i/o timeout|connection refused|network is unreachable|"
    r"TLS handshake timeout|proxyconnect|Client.Timeout|server misbehaving|"
    r"temporary failure in name resolution",
    re.IGNORECASE,
)


class ProxyUnreachable(Exception):
    pass


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def download_modules():
    """Returns {module@version: directory}, downloading into the module cache."""
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "go.mod"), "w") as f:
            f.write("module proto_compat\n\ngo 1.20\n")
        env = dict(os.environ, GOFLAGS="-mod=mod")
        if shutil.which("go") is None:
            sys.exit("proto_compat: needs the Go toolchain (`go`) on PATH")
        try:
            result = run(
                ["go", "mod", "download", "-json"] + MODULES, cwd=work, env=env, timeout=300
            )
        except subprocess.TimeoutExpired:
            raise ProxyUnreachable("go mod download timed out after 300 s")
    # -json prints one object per module, with "Error" set on failure.
    decoder = json.JSONDecoder()
    text, pos, dirs, errors = result.stdout, 0, {}, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        module, pos = decoder.raw_decode(text, pos)
        key = module["Path"] + "@" + module["Version"]
        if module.get("Error"):
            errors.append(key + ": " + module["Error"])
        else:
            dirs[key] = module["Dir"]
    if result.returncode != 0 or errors or len(dirs) != len(MODULES):
        message = "\n".join(errors) or result.stderr.strip()
        if NETWORK_ERRORS.search(message):
            raise ProxyUnreachable(message)
        sys.exit("proto_compat: go mod download failed:\n" + message)
    return dirs


def protoc_descriptors(includes, files):
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "set.pb")
        cmd = ["protoc", "--include_imports", "--descriptor_set_out=" + out]
        cmd += ["-I" + include for include in includes] + files
        result = run(cmd)
        if result.returncode != 0:
            sys.exit("proto_compat: protoc failed: %s\n%s" % (" ".join(cmd), result.stderr))
        descriptor_set = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as f:
            descriptor_set.ParseFromString(f.read())
    return list(descriptor_set.file)


def go_raw_descriptor(go_file, variable):
    """Decodes the FileDescriptorProto that protoc-gen-go embeds as a byte slice."""
    with open(go_file) as f:
        source = f.read()
    match = re.search(r"var %s = \[\]byte\{(.*?)\n\}" % re.escape(variable), source, re.S)
    if not match:
        sys.exit("proto_compat: no %s in %s" % (variable, go_file))
    data = bytes(int(token, 16) for token in re.findall(r"0x[0-9a-fA-F]{2}", match.group(1)))
    descriptor = descriptor_pb2.FileDescriptorProto()
    descriptor.ParseFromString(data)
    return descriptor


def upstream_files(dirs):
    kvproto = dirs[KVPROTO]
    files = protoc_descriptors(
        [os.path.join(kvproto, "proto"), os.path.join(kvproto, "include")], KVPROTO_FILES
    )
    files += protoc_descriptors(
        [
            "etcd/api=" + dirs[ETCD_API],
            dirs[GOGO],
            os.path.join(dirs[GRPC_GATEWAY], "third_party", "googleapis"),
        ],
        ["etcd/api/etcdserverpb/rpc.proto"],
    )
    # grpc-go 1.43 ships health.proto only compiled into its Go package.
    files.append(
        go_raw_descriptor(
            os.path.join(dirs[GRPC_GO], "health", "grpc_health_v1", "health.pb.go"),
            "file_grpc_health_v1_health_proto_rawDesc",
        )
    )
    return files


def our_files(proto_dir):
    names = sorted(name for name in os.listdir(proto_dir) if name.endswith(".proto"))
    return protoc_descriptors([proto_dir], names), names


class Index:
    """Every message, enum and service of a list of files, by full name."""

    def __init__(self, files):
        self.messages, self.enums, self.services, self.packages = {}, {}, {}, set()
        for file in files:
            self.packages.add(file.package)
            prefix = "." + file.package if file.package else ""
            for message in file.message_type:
                self._add_message(prefix, message)
            for enum in file.enum_type:
                self.enums[prefix + "." + enum.name] = enum
            for service in file.service:
                self.services[prefix + "." + service.name] = service

    def _add_message(self, prefix, message):
        name = prefix + "." + message.name
        self.messages[name] = message
        for nested in message.nested_type:
            self._add_message(name, nested)
        for enum in message.enum_type:
            self.enums[name + "." + enum.name] = enum


FIELD_TYPES = {
    value: name[len("TYPE_") :].lower()
    for name, value in descriptor_pb2.FieldDescriptorProto.Type.items()
}
LABELS = {
    value: name[len("LABEL_") :].lower()
    for name, value in descriptor_pb2.FieldDescriptorProto.Label.items()
}


def describe_field(message, field):
    oneof = message.oneof_decl[field.oneof_index].name if field.HasField("oneof_index") else ""
    return {
        "number": str(field.number),
        "type": FIELD_TYPES[field.type] + (" " + field.type_name if field.type_name else ""),
        "label": LABELS[field.label],
        "oneof": oneof or "(none)",
        "proto3_optional": str(field.proto3_optional),
        # Unset means proto3's default (packed repeated scalars).
        "packed": str(field.options.packed) if field.options.HasField("packed") else "default",
    }


class Comparison:
    def __init__(self, ours, upstream):
        self.ours, self.upstream = ours, upstream
        self.errors = []
        self.counts = dict.fromkeys(
            ["packages", "services", "methods", "messages", "fields", "enums", "enum values"], 0
        )
        self.omitted_fields = 0

    def error(self, text):
        self.errors.append(text)

    def run(self):
        for package in sorted(self.ours.packages):
            self.counts["packages"] += 1
            if package not in self.upstream.packages:
                self.error("package %s: not upstream" % package)
        for name in sorted(self.ours.services):
            self.compare_service(name)
        for name in sorted(self.ours.messages):
            self.compare_message(name)
        for name in sorted(self.ours.enums):
            self.compare_enum(name)
        return self

    def compare_service(self, name):
        self.counts["services"] += 1
        theirs = self.upstream.services.get(name)
        if theirs is None:
            self.error("service %s: not upstream" % name)
            return
        their_methods = {method.name: method for method in theirs.method}
        for method in self.ours.services[name].method:
            self.counts["methods"] += 1
            where = "method %s/%s" % (name[1:], method.name)
            other = their_methods.get(method.name)
            if other is None:
                self.error(where + ": not upstream")
                continue
            for attribute in ["input_type", "output_type", "client_streaming", "server_streaming"]:
                mine, upstream = getattr(method, attribute), getattr(other, attribute)
                if mine != upstream:
                    self.error("%s: %s is %s, upstream %s" % (where, attribute, mine, upstream))

    def compare_message(self, name):
        self.counts["messages"] += 1
        mine, theirs = self.ours.messages[name], self.upstream.messages.get(name)
        if theirs is None:
            self.error("message %s: not upstream" % name)
            return
        if mine.options.map_entry != theirs.options.map_entry:
            self.error("message %s: map entry differs" % name)
        their_fields = {field.name: field for field in theirs.field}
        their_numbers = {field.number: field.name for field in theirs.field}
        for field in mine.field:
            self.counts["fields"] += 1
            where = "field %s.%s" % (name[1:], field.name)
            other = their_fields.get(field.name)
            if other is None:
                hint = their_numbers.get(field.number)
                self.error(
                    where
                    + ": not upstream"
                    + (" (upstream number %d is %s)" % (field.number, hint) if hint else "")
                )
                continue
            mine_described = describe_field(mine, field)
            their_described = describe_field(theirs, other)
            for key, value in mine_described.items():
                if value != their_described[key]:
                    self.error("%s: %s is %s, upstream %s" % (where, key, value, their_described[key]))
        self.omitted_fields += len(theirs.field) - len(mine.field)

    def compare_enum(self, name):
        self.counts["enums"] += 1
        theirs = self.upstream.enums.get(name)
        if theirs is None:
            self.error("enum %s: not upstream" % name)
            return
        their_values = {value.name: value.number for value in theirs.value}
        for value in self.ours.enums[name].value:
            self.counts["enum values"] += 1
            where = "enum value %s.%s" % (name[1:], value.name)
            if value.name not in their_values:
                self.error(where + ": not upstream")
            elif value.number != their_values[value.name]:
                self.error("%s: number is %d, upstream %d" % (where, value.number, their_values[value.name]))


def check(proto_dir, upstream):
    files, names = our_files(proto_dir)
    for file in files:
        if file.syntax != "proto3":
            sys.exit("proto_compat: %s is not proto3" % file.name)
    return Comparison(Index(files), upstream).run(), names


# Each plant: (file, text, replacement, the error it must produce).
PLANTS = [
    (
        "kvrpcpb.proto",
        "APIVersion api_version = 21;",
        "APIVersion api_version = 26;",
        "field kvrpcpb.Context.api_version: number is 26, upstream 21",
    ),
    (
        "metapb.proto",
        "NodeState node_state = 13;",
        "uint64 node_state = 13;",
        "field metapb.Store.node_state: type is uint64, upstream enum .metapb.NodeState",
    ),
    (
        "metapb.proto",
        "Removed = 3;",
        "Removed = 4;",
        "enum value metapb.NodeState.Removed: number is 4, upstream 3",
    ),
    (
        "pdpb.proto",
        "rpc Tso(stream TsoRequest) returns (stream TsoResponse)",
        "rpc Tso(stream TsoRequest) returns (TsoResponse)",
        "method pdpb.PD/Tso: server_streaming is False, upstream True",
    ),
    (
        "tikvpb.proto",
        "repeated uint64 request_ids = 2;\n}\n\nmessage BatchCommandsResponse",
        "uint64 request_ids = 2;\n}\n\nmessage BatchCommandsResponse",
        "field tikvpb.BatchCommandsRequest.request_ids: label is optional, upstream repeated",
    ),
    (
        "raft_cmdpb.proto",
        "DeleteRangeResponse delte_range = 8;",
        "DeleteRangeResponse delete_range = 8;",
        "field raft_cmdpb.Response.delete_range: not upstream (upstream number 8 is delte_range)",
    ),
]


def self_test(upstream):
    clean, _ = check(OURS_DIR, upstream)
    failures = ["clean copy reports: " + error for error in clean.errors]
    with tempfile.TemporaryDirectory() as work:
        for name in os.listdir(OURS_DIR):
            if name.endswith(".proto"):
                with open(os.path.join(OURS_DIR, name)) as f:
                    text = f.read()
                for file, old, new, _ in PLANTS:
                    if file == name:
                        if text.count(old) != 1:
                            failures.append("plant %r does not match once in %s" % (old, file))
                        text = text.replace(old, new)
                with open(os.path.join(work, name), "w") as f:
                    f.write(text)
        planted, _ = check(work, upstream)
    for _, _, _, expected in PLANTS:
        if expected in planted.errors:
            print("proto_compat self-test: caught: " + expected)
        else:
            failures.append("not reported: " + expected)
    extra = [error for error in planted.errors if error not in [plant[3] for plant in PLANTS]]
    failures += ["unexpected report: " + error for error in extra]
    for failure in failures:
        print("proto_compat self-test: FAIL: " + failure)
    if failures:
        return 1
    print("proto_compat self-test: all %d planted mismatches reported" % len(PLANTS))
    return 0


def main(argv):
    try:
        dirs = download_modules()
    except ProxyUnreachable as unreachable:
        print("proto_compat: skipped: the Go module proxy is unreachable and the upstream")
        print("  modules are not cached, so nothing was checked:")
        print("  " + str(unreachable).replace("\n", "\n  "))
        return 0
    upstream = Index(upstream_files(dirs))
    if argv[1:] == ["--self-test"]:
        return self_test(upstream)
    if argv[1:]:
        sys.exit(__doc__)
    comparison, names = check(OURS_DIR, upstream)
    for error in comparison.errors:
        print("proto_compat: MISMATCH: " + error)
    counts = ", ".join("%d %s" % (count, what) for what, count in comparison.counts.items())
    print("proto_compat: %d files in proto/ against kvproto %s, etcd api %s, grpc-go %s:"
          % (len(names), KVPROTO.split("@")[1], ETCD_API.split("@")[1], GRPC_GO.split("@")[1]))
    print("  checked %s" % counts)
    print("  upstream fields of those messages left out (arrive as unknown fields): %d"
          % comparison.omitted_fields)
    if comparison.errors:
        print("proto_compat: %d mismatches" % len(comparison.errors))
        return 1
    print("proto_compat: every declaration matches upstream")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
