#!/usr/bin/env python3
"""The playground in a terminal: tools/run.sh in a pty (1 PD, 3 stores, free
ports, data in a scratch folder) must print its ready line; ctl then works
against it (stores, regions, raw put/get/scan/delete, tso, safe point, JSON,
bad input exit 2); Ctrl-C on the terminal stops it with status 0 and leaves
no process behind.

  PLAYGROUND_BIN=DIR RUN_SH=tools/run.sh playground_test.py   (Bazel sets both)
"""
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

failures = 0


def check(name, ok, detail=""):
    global failures
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        failures += 1


def read_until(fd, pattern, seconds, seen):
    """Reads the pty into `seen` until `pattern` matches or time is up."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        match = re.search(pattern, seen[0])
        if match:
            return match
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return re.search(pattern, seen[0])
            if not chunk:
                break
            seen[0] += chunk.decode(errors="replace")
    return re.search(pattern, seen[0])


def ctl(binary, pd, *args):
    done = subprocess.run([binary, "--pd", pd, *args], capture_output=True,
                          text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def processes_using(path):
    """Pids whose command line mentions `path` (our servers, by data dir)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if path.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def exercise_ctl(binary, pd):
    rc, out, _ = ctl(binary, pd, "--json", "store", "list")
    stores = json.loads(out)["stores"] if rc == 0 else []
    check("ctl store list: 3 stores Up", rc == 0 and len(stores) == 3 and
          all(s["state"] == "Up" for s in stores), out)
    rc, out, _ = ctl(binary, pd, "raw", "put", "greeting", "hello")
    check("ctl raw put", rc == 0 and out == "ok\n", out)
    rc, out, _ = ctl(binary, pd, "raw", "get", "greeting")
    check("ctl raw get", rc == 0 and out == "hello\n", out)
    rc, out, _ = ctl(binary, pd, "--json", "raw", "scan", "g", "h")
    check("ctl --json raw scan", rc == 0 and json.loads(out)["pairs"] ==
          [{"key": "greeting", "value": "hello"}], out)
    rc, out, _ = ctl(binary, pd, "--json", "region", "key", "greeting")
    region = json.loads(out) if rc == 0 else {}
    check("ctl region key: 3 voters and a leader", rc == 0 and
          len(region["peers"]) == 3 and region["leader"]["id"] != 0, out)
    if rc == 0:
        rc, out, _ = ctl(binary, pd, "--json", "region", "show",
                         str(region["id"]))
        check("ctl region show", rc == 0 and json.loads(out)["id"] ==
              region["id"], out)
    rc, out, _ = ctl(binary, pd, "raw", "delete", "greeting")
    rc2, out2, err2 = ctl(binary, pd, "raw", "get", "greeting")
    check("ctl raw delete, then get: not found (exit 1)",
          rc == 0 and rc2 == 1 and "not found" in err2, out + out2 + err2)
    rc, out, _ = ctl(binary, pd, "--json", "tso", "now")
    check("ctl tso now", rc == 0 and json.loads(out)["physical_ms"] > 0, out)
    rc, out, _ = ctl(binary, pd, "tso", "decode", "449485911209984001")
    check("ctl tso decode", rc == 0 and "physical 1714652676429 ms" in out and
          "logical 180225" in out, out)
    rc, out, _ = ctl(binary, pd, "safepoint")
    check("ctl safepoint", rc == 0 and out.startswith("gc safe point "), out)
    for bad in (["raw", "get"], ["region", "show", "x"], ["nonsense"],
                ["tso", "decode", "-1"], ["--bogus", "store", "list"]):
        rc, _, err = ctl(binary, pd, *bad)
        check("ctl " + " ".join(bad) + ": exit 2 with a message",
              rc == 2 and err.startswith("ctl: "), err)


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers.get("Content-Type"), \
                answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), ""


def exercise_status(binary, pd, status_url):
    code, kind, body = fetch(status_url + "/metrics")
    check("/metrics: Prometheus text with the store's counters",
          code == 200 and kind.startswith("text/plain") and
          "# TYPE tikv_pd_heartbeat_message_total counter" in body and
          re.search(r'^tikv_pd_heartbeat_message_total\{type="store"\} [1-9]',
                    body, re.M) is not None, body[:2000])
    code, kind, body = fetch(status_url + "/status")
    status = json.loads(body) if code == 200 else {}
    check("/status: store id and region count", code == 200 and
          kind == "application/json" and status.get("store_id", 0) > 0 and
          status.get("region_count", 0) >= 1, body)
    code, _, body = fetch(status_url + "/config")
    check("/config: the flags", code == 200 and
          json.loads(body).get("status-addr") == status_url[len("http://"):],
          body)
    rc, out, _ = ctl(binary, pd, "--json", "region", "list", "1")
    region_id = json.loads(out)["regions"][0]["id"] if rc == 0 else 0
    code, _, body = fetch(f"{status_url}/region/{region_id}")
    region = json.loads(body) if code == 200 else {}
    check("/region/ID: the region as this store has it", code == 200 and
          region.get("id") == region_id and len(region.get("peers", [])) == 3 and
          "is_leader" in region, body)
    code, _, _ = fetch(status_url + "/region/999999")
    check("/region/999999: 404", code == 404, str(code))
    code, _, _ = fetch(status_url + "/nothing")
    check("/nothing: 404", code == 404, str(code))


def main():
    run_sh = os.path.abspath(os.environ.get("RUN_SH", "tools/run.sh"))
    binary = os.path.join(os.environ["PLAYGROUND_BIN"], "ctl")
    data = tempfile.mkdtemp(prefix="playground-test-")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv("/bin/bash", ["bash", run_sh, "--free-ports", "--data", data])
    seen = [""]
    ready = read_until(fd, r"ready: PD (\S+),", 120, seen)
    check("run.sh printed the ready line", ready is not None, seen[0])
    if ready:
        for line in ("pd1: client http://", "tikv3: ", "status http://"):
            check("run.sh printed " + line.strip(), line in seen[0], seen[0])
        exercise_ctl(binary, ready.group(1))
        status_url = re.search(r"tikv1: \S+, status (http://\S+)", seen[0])
        check("run.sh printed tikv1's status URL", status_url is not None,
              seen[0])
        if status_url:
            exercise_status(binary, ready.group(1), status_url.group(1))
    os.write(fd, b"\x03")  # Ctrl-C on the terminal
    read_until(fd, r"stopping the playground", 30, seen)
    _, status = os.waitpid(pid, 0)
    check("Ctrl-C: run.sh exited with status 0",
          os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, str(status))
    left = processes_using(data)
    check("Ctrl-C: no process left behind", not left, str(left))
    for p in left:
        os.kill(p, signal.SIGKILL)
    print("playground_test: " + ("all passed" if failures == 0 else
                                 f"{failures} failed"))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
