#!/usr/bin/python3
"""What a connection's thread stack costs in resident memory, phase by phase.

    /usr/bin/python3 bench/stack_budget.py [--connections 200] [--build-dir build]

plugin-host gives every connection a pool thread of its own, so thread stacks are most of
its memory under the seed's load. Two pieces of hand-tuned code keep them small: the
request path stays within two pages of stack (its error paths live in functions marked
noinline and cold, see ExecutionService), and when a connection ends its thread gives back
the stack pages below its idle frame (release_unused_stack in
host/http/connection_threads.cpp). This program shows what each buys, on the real host:

1. all pool threads started, nothing served yet;
2. `--connections` keep-alive connections, each after three seed requests (200), still open;
3. the same connections after four refused requests each (404, 405, 400, 415), still open:
   the error paths' deeper frames now resident;
4. those connections closed: what release_unused_stack gave back.

For each phase it prints the pool threads' stacks (read from /proc/PID/smaps): how many
hold more than two pages, the median and largest resident size, and the total. Starts the
release build with the default configuration (config/server.ini, on a free loopback port,
1 ms repository delay). Builds nothing: run bench/run.py (or cmake --build) first.

With --check (CI) it also fails unless, in phases 2 and 4, at most one stack in a hundred
holds more than two pages: a frame grown on the request path shows there first. Stack
depth depends on the compiler's optimisation, so the check needs a Release build.
"""

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ports  # noqa: E402
import proctree  # noqa: E402
import servers as server_defs  # noqa: E402

GIVE_UP_S = 30
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
SEED_BODY = '{{"info": {{"sequence": "{}"}}}}'
REFUSED = [  # (method, path, content type, body, expected status)
    ("POST", "/missing", "application/json", '{"info": {"sequence": "x"}}', 404),
    ("GET", "/first", None, None, 405),
    ("POST", "/first", "application/json", '{"info": ', 400),
    ("POST", "/first", "text/plain", "first", 415),
]


def metrics(port):
    """The host's /metrics as {name: value} for unlabelled samples; {} while it cannot answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            text = response.read().decode()
    except (urllib.error.URLError, OSError):
        return {}
    samples = {}
    for line in text.splitlines():
        match = re.match(r"^([a-z_]+) ([0-9.e+-]+)$", line)
        if match:
            samples[match.group(1)] = float(match.group(2))
    return samples


def wait_for(what, condition, process):
    deadline = time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"stack_budget: plugin-host exited ({process.returncode}) while waiting for {what}")
        if condition():
            return
        time.sleep(0.01)
    sys.exit(f"stack_budget: gave up after {GIVE_UP_S} s waiting for {what}")


def thread_stacks(pid, stack_kib):
    """Resident KiB of each pool thread stack: a read-write anonymous mapping of the
    configured stack size right above its guard page. Linux 6.7 and later also mark stacks
    (mapped with MAP_STACK) "nh" in VmFlags; where they do, that tells a stack from a buffer
    of the same size that happens to follow a guard page."""
    candidates = []  # (resident KiB, marked as a stack)
    previous_guard_end = None
    current = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            header = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(.*)$", line)
            if header:
                start, end = int(header.group(1), 16), int(header.group(2), 16)
                perms, inode, name = header.group(3), header.group(4), header.group(5)
                is_stack = (perms == "rw-p" and inode == "0" and not name
                            and start == previous_guard_end and end - start == stack_kib * 1024)
                current = [0, False] if is_stack else None
                if current:
                    candidates.append(current)
                previous_guard_end = end if perms == "---p" else None
            elif current and line.startswith("Rss:"):
                current[0] = int(line.split()[1])
            elif current and line.startswith("VmFlags:"):
                current[1] = "nh" in line.split()[1:]
    marked = any(is_marked for _, is_marked in candidates)
    return [kib for kib, is_marked in candidates if is_marked or not marked]


def beyond_budget(stacks):
    return sum(1 for kib in stacks if kib > 2 * PAGE_KIB)


def summary(label, stacks):
    return (f"{label:<58} {len(stacks):>6} {beyond_budget(stacks):>9} {statistics.median(stacks):>7.0f} "
            f"{max(stacks):>5} {sum(stacks) / 1024:>9.1f}")


def request(connection, method, path, content_type, body, expected):
    headers = {"Content-Type": content_type} if content_type else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.status != expected:
        sys.exit(f"stack_budget: {method} {path} answered {response.status}, expected {expected}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=200,
                        help="keep-alive connections to serve (default 200)")
    parser.add_argument("--build-dir", default=os.path.join(server_defs.REPO_DIR, "build"),
                        help="plugin-host's CMake build folder (default build/)")
    parser.add_argument("--check", action="store_true",
                        help="fail when the seed's requests, or an ended connection, leave stacks beyond two pages")
    args = parser.parse_args()

    build_dir = os.path.abspath(args.build_dir)
    executable = server_defs.built_host(build_dir, "stack_budget")
    build_type = server_defs.host_build_type(build_dir)
    if args.check and build_type != "Release":
        sys.exit(f"stack_budget: --check needs a Release build; {build_dir} is {build_type}")

    with tempfile.TemporaryDirectory(prefix="plugin-host-stack-") as work_dir:
        port = ports.free_port()
        config = os.path.join(work_dir, "host.ini")
        server_defs.write_host_config(os.path.join(server_defs.REPO_DIR, "config", "server.ini"),
                                      config, build_dir, port, 1)
        stack_kib = int(re.search(r"^thread_stack_kib\s*=\s*(\d+)", open(config).read(), re.M).group(1))
        process = subprocess.Popen([executable, "--config", config], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        connections = []
        try:
            def all_threads_started():
                samples = metrics(port)
                return samples and samples.get("plugin_host_pool_threads", 0) >= samples.get("plugin_host_connections_max", 1)
            wait_for("every pool thread to start", all_threads_started, process)
            print(f"plugin-host {build_type} build, {stack_kib} KiB stacks, "
                  f"{args.connections} connections; resident stack in KiB (page {PAGE_KIB} KiB)")
            print(f"{'phase':<58} {'stacks':>6} {'> 2 pages':>9} {'median':>7} {'max':>5} {'total MiB':>9}")
            print(summary("1. every pool thread started, nothing served", thread_stacks(process.pid, stack_kib)))

            for _ in range(args.connections):
                connections.append(http.client.HTTPConnection("127.0.0.1", port, timeout=GIVE_UP_S))
            for connection in connections:
                for name in ("first", "second", "third"):
                    request(connection, "POST", f"/{name}", "application/json", SEED_BODY.format(name), 200)
            served = thread_stacks(process.pid, stack_kib)
            print(summary("2. after 3 seed requests a connection, still open", served))

            for connection in connections:
                for refused in REFUSED:
                    request(connection, *refused)
            print(summary("3. after 4 refused requests a connection, still open", thread_stacks(process.pid, stack_kib)))

            for connection in connections:
                connection.close()
            connections = []
            wait_for("every connection to end",
                     lambda: metrics(port).get("plugin_host_connections_open", 2) <= 1, process)  # 1: the asking one
            ended = thread_stacks(process.pid, stack_kib)
            print(summary("4. connections closed: unused stack given back", ended))
            if args.check:
                allowed = args.connections // 100
                for phase, stacks in (("2", served), ("4", ended)):
                    if beyond_budget(stacks) > allowed:
                        sys.exit(f"stack_budget: phase {phase}: {beyond_budget(stacks)} stacks beyond two pages "
                                 f"(at most {allowed} allowed): a frame on the request path grew")
                print("stack budget holds: the seed's requests and ended connections stay within two pages")
        finally:
            for connection in connections:
                connection.close()
            proctree.stop_process_group(process)


if __name__ == "__main__":
    main()
