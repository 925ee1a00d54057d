#!/usr/bin/python3
"""Rewrites deploy/nginx/nginx.conf to run on this machine's loopback, without root.

    nginx_for_loopback.py --prefix DIR --listen 127.0.0.1:PORT \\
        --upstream 127.0.0.1:P1 --upstream 127.0.0.1:P2 [--source FILE] > DIR/nginx.conf

Only what ties the file to compose's network and to root changes; every other line stays,
so the loopback scale test and `nginx -t` in CI run the balancer configuration as shipped:

- `listen 8991 ...` listens on the given loopback address instead (same parameters);
- the upstream's `server host:8991 ...` line becomes one line per --upstream (same
  parameters), where compose's DNS name would resolve to one address per replica;
- `worker_rlimit_nofile` is capped at this process's hard limit on open files, which only
  root may raise;
- pid file, error log and every temporary folder go under --prefix (run nginx with
  `-p DIR`), instead of the root-owned folders Debian's nginx was built with.

Exits 2, naming the line, when the file no longer has exactly the lines it rewrites.
"""

import argparse
import os
import re
import resource
import sys

DEFAULT_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "..", "..", "deploy", "nginx", "nginx.conf")
TEMP_PATHS = ("client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path",
              "uwsgi_temp_path", "scgi_temp_path")


def loopback_address(text):
    host, _, port = text.rpartition(":")
    if not host.startswith("127.") or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text}: expected 127.x.x.x:PORT")
    return text


def rewrite(lines, prefix, listen, upstreams, nofile_limit):
    out = []
    counts = {"listen": 0, "server": 0, "http": 0}
    for line in lines:
        indent = line[:len(line) - len(line.lstrip())]
        stripped = line.strip()
        match = re.fullmatch(r"listen\s+8991(\s[^;]*)?;(.*)", stripped)
        if match:
            counts["listen"] += 1
            out.append(f"{indent}listen {listen}{match.group(1) or ''};{match.group(2)}\n")
            continue
        match = re.fullmatch(r"server\s+host:8991(\s[^;]*)?;(.*)", stripped)
        if match:
            counts["server"] += 1
            for upstream in upstreams:
                out.append(f"{indent}server {upstream}{match.group(1) or ''};{match.group(2)}\n")
            continue
        match = re.fullmatch(r"worker_rlimit_nofile\s+(\d+);(.*)", stripped)
        if match:
            wanted = int(match.group(1))
            out.append(f"{indent}worker_rlimit_nofile {min(wanted, nofile_limit)};\n")
            continue
        if re.fullmatch(r"(pid|error_log|user)\s.*", stripped) or \
                stripped.split(" ", 1)[0] in TEMP_PATHS:
            sys.exit(f"nginx_for_loopback: the source sets {stripped.split()[0]} itself; "
                     "this script places it under --prefix")
        out.append(line)
        if stripped == "http {":
            counts["http"] += 1
            for directive in TEMP_PATHS:
                out.append(f"{indent}    {directive} {prefix}/tmp/{directive.split('_')[0]};\n")
    expected = {"listen": 1, "server": 1, "http": 1}
    if counts != expected:
        print(f"nginx_for_loopback: expected one `listen 8991`, one `server host:8991` and "
              f"one `http {{` line, found {counts}", file=sys.stderr)
        sys.exit(2)
    header = [f"# {os.path.basename(__file__)}: deploy/nginx/nginx.conf on loopback\n",
              f"pid {prefix}/nginx.pid;\n",
              f"error_log {prefix}/error.log;\n"]
    return header + out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", required=True, help="nginx's -p folder: pid, log, temp")
    parser.add_argument("--listen", required=True, type=loopback_address)
    parser.add_argument("--upstream", required=True, action="append", type=loopback_address)
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)

    prefix = os.path.abspath(args.prefix)
    for directive in TEMP_PATHS:
        os.makedirs(os.path.join(prefix, "tmp", directive.split("_")[0]), exist_ok=True)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = hard if hard != resource.RLIM_INFINITY else 1 << 20
    with open(args.source) as f:
        lines = f.readlines()
    sys.stdout.writelines(rewrite(lines, prefix, args.listen, args.upstream, limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
