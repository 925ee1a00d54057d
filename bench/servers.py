"""The servers a benchmark runs against, and how each one is started.

plugin-host runs its release build with the default configuration (config/server.ini),
changed only where a benchmark must: listen on 127.0.0.1 and the benchmark's port, the
repository delay, and absolute plugin paths. The seed's Python apps (bench/peers/) are
served the way the seed served them, from Debian's packages, with Debian's
/usr/bin/python3. The seed's ASP.NET Core app runs on Kestrel, built with the .NET SDK
(bench/dotnet_peer.py); where there is no `dotnet`, its row shows the figures the seed
published.
"""

from dataclasses import dataclass, field
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import dotnet_peer
import yardsticks

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
PEERS_DIR = os.path.join(BENCH_DIR, "peers")
SYSTEM_PYTHON = "/usr/bin/python3"


@dataclass(frozen=True)
class Published:
    """A row of the seed's published table (500 VUs, 5 minutes, an i7-1165G7 laptop)."""
    requests: int
    rps: float
    pct_ceiling: float
    checks_passed_pct: float
    latency_mean_s: float
    note: str


@dataclass(frozen=True)
class Server:
    name: str
    label: str
    kind: str                      # "host", "python", "dotnet", "poco-minimal",
                                   # "poco-sleeping", "epoll-timer", "nginx" or "external" (already
                                   # running: see external_server)
    argv: tuple = ()               # for "python": arguments after the interpreter
    path_prefix: str = ""
    published: Published = None
    debian_packages: tuple = field(default=())
    plugin_dir: str = "plugins"    # for "host": where in the build its plugin libraries are
    plugin_file: str = ""          # for "host": one library for every plugin section ("": each its own)


SERVERS = {s.name: s for s in (
    Server("host", "plugin-host (this project)", "host"),
    Server("host-blocking", "plugin-host, the seed endpoints as 2.0 plugins that block a worker "
           "in the repository (tests/plugins/blocking_seed_plugin.cpp)", "host",
           plugin_dir="test-plugins", plugin_file="blocking_seed_v2_0.so"),
    Server("flask-dev", "Flask dev server (threaded)", "python",
           ("-m", "flask", "--app", "flask_app", "run",
            "--host", "127.0.0.1", "--port", "{port}", "--with-threads"),
           published=Published(82_506, 269.7, 54, 89.3, 3.54, "connection refused errors"),
           debian_packages=("python3-flask",)),
    Server("gunicorn", "Flask + Gunicorn (8 workers x 12 threads)", "python",
           ("-m", "gunicorn", "--workers", "8", "--threads", "12",
            "--bind", "127.0.0.1:{port}", "flask_app:app"),
           published=Published(10_565, 32.0, 6, 99.99, 23.95, "EOF errors"),
           debian_packages=("python3-flask", "gunicorn")),
    Server("waitress", "Flask + Waitress (128 threads)", "python",
           ("-m", "waitress", "--threads=128", "--host=127.0.0.1", "--port={port}",
            "flask_app:app"),
           published=Published(6_881, 2.1, 0.4, 58.9, 2.01, "many timeouts"),
           debian_packages=("python3-flask", "python3-waitress")),
    Server("uvicorn", "FastAPI + Uvicorn (4 workers)", "python",
           ("-m", "uvicorn", "--workers", "4", "--host", "127.0.0.1", "--port", "{port}",
            "fastapi_app:app"),
           published=Published(26_409, 82.5, 17, 94.5, 6.05, "timeouts"),
           debian_packages=("python3-fastapi", "uvicorn")),
    Server("dotnet", "ASP.NET Core / Kestrel", "dotnet", path_prefix="/performance-test",
           published=Published(150_000, 495.2, 99, 100.0, 2.00, "almost 500 MB of RAM")),
    Server("poco-minimal", "bare Poco HTTPServer, fixed answer (bench/baseline)", "poco-minimal"),
    Server("poco-sleeping", "bare Poco HTTPServer, parses the body, sleeps like the "
           "repository (bench/baseline)", "poco-sleeping"),
    Server("epoll-timer", "one epoll thread, each answer after the delay on a timer "
           "(bench/baseline)", "epoll-timer"),
    Server("nginx", "nginx, return 200", "nginx", debian_packages=("nginx-light",)),
)}


def external_server(label):
    """A server the benchmark does not start: it is already listening (bench/run.py
    --target), e.g. a load balancer in front of plugin-host replicas. Nothing is built,
    started or stopped, and its memory and CPU are not measured."""
    return Server("external", label, "external")


@dataclass
class Launch:
    argv: list
    cwd: str
    env: dict
    ready_method: str          # "GET" or "POST"
    ready_path: str
    ready_body: bytes = None


def package_version(package):
    """The installed version of a Debian package, or ''."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


# ---- plugin-host ----

def host_build_type(build_dir):
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return ""


def built_host(build_dir, program):
    """The plugin-host executable in build_dir, for the programs that build nothing; exits
    naming `program` if it is not there."""
    executable = os.path.join(build_dir, "bin", "plugin-host")
    if not os.access(executable, os.X_OK):
        sys.exit(f"{program}: {executable} is missing: build first (cmake --build {build_dir})")
    return executable


def build_host(build_dir, log):
    """Configures a Release build if build_dir has none, then builds the server and the
    seed plugins (not the tests). Returns the build type used."""
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        log(f"configuring a Release build in {build_dir}")
        subprocess.run(["cmake", "-S", REPO_DIR, "-B", build_dir, "-G", "Ninja",
                        "-DCMAKE_BUILD_TYPE=Release"], check=True,
                       stdout=subprocess.DEVNULL)
    log(f"building plugin-host, the seed plugins and the yardstick server in {build_dir}")
    subprocess.run(["cmake", "--build", build_dir, "--target",
                    "plugin-host", "first", "second", "third", "blocking_seed_v2_0",
                    "minimal-poco-server", "epoll-timer-server"],
                   check=True, stdout=subprocess.DEVNULL)
    return host_build_type(build_dir)


def write_host_config(template_path, out_path, build_dir, port, delay_ms, settings=(),
                      plugin_dir="plugins", plugin_file=""):
    """The default configuration with the benchmark's address, port and delay, the plugin
    libraries of build_dir/plugin_dir by absolute path (each section's own, or plugin_file
    for all), and a scenario's `settings` ((section, key, value) triples). Every other key
    stays as it is."""
    overrides = {(section, key): value for section, key, value in settings}
    pending = dict(overrides)
    section = ""
    lines = []
    with open(template_path) as f:
        for line in f:
            stripped = line.strip()
            header = re.match(r"^\[([^\]]+)\]$", stripped)
            if header:
                section = header.group(1)
            key = stripped.split("=", 1)[0].strip() if "=" in stripped else None
            if section == "server" and key == "address":
                line = "address = 127.0.0.1\n"
            elif section == "server" and key == "port":
                line = f"port = {port}\n"
            elif section == "repository" and key == "delay_ms":
                line = f"delay_ms = {delay_ms}\n"
            elif section.startswith("plugin.") and key == "library":
                library = plugin_file or os.path.basename(stripped.split("=", 1)[1].strip())
                line = f"library = {os.path.join(build_dir, plugin_dir, library)}\n"
            elif (section, key) in overrides:
                line = f"{key} = {overrides[(section, key)]}\n"
                pending.pop((section, key), None)
            lines.append(line)
    if pending:
        raise ValueError("config/server.ini has no key for " +
                         ", ".join(f"[{s}] {k}" for s, k in pending))
    with open(out_path, "w") as f:
        f.writelines(lines)


def launch_for(server, *, port, delay_ms, build_dir, work_dir, host_settings=(),
               connections=None):
    """How to start `server` on 127.0.0.1:port with the repository waiting delay_ms, for a
    load of `connections` keep-alive connections (poco-sleeping needs the number)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["REPOSITORY_DELAY_MS"] = str(delay_ms)
    body = b'{"info": {"sequence": "first"}}'

    if server.kind == "host":
        config = os.path.join(work_dir, "host.ini")
        write_host_config(os.path.join(REPO_DIR, "config", "server.ini"), config,
                          build_dir, port, delay_ms, host_settings, server.plugin_dir, server.plugin_file)
        return Launch([os.path.join(build_dir, "bin", "plugin-host"), "--config", config],
                      REPO_DIR, env, "GET", "/healthz")

    if server.kind in ("poco-minimal", "poco-sleeping"):
        return Launch(yardsticks.poco_argv(server.kind, build_dir, port, connections, delay_ms),
                      REPO_DIR, env, "POST", "/first", body)

    if server.kind == "epoll-timer":
        return Launch([os.path.join(build_dir, "bin", "epoll-timer-server"), str(port), str(delay_ms)],
                      REPO_DIR, env, "POST", "/first", body)

    if server.kind == "nginx":
        config = os.path.join(work_dir, "nginx.conf")
        yardsticks.write_nginx_config(config, work_dir, port)
        return Launch(["nginx", "-p", work_dir, "-c", config, "-g", "daemon off;"],
                      work_dir, env, "POST", "/first", body)

    if server.kind == "python":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        argv = [SYSTEM_PYTHON] + [a.replace("{port}", str(port)) for a in server.argv]
        return Launch(argv, PEERS_DIR, env, "POST", "/first", body)

    if server.kind == "dotnet":
        # Published once per run by bench/run.py (dotnet_peer.build).
        dll = dotnet_peer.published_dll(build_dir)
        if not os.path.exists(dll):
            raise ValueError(f"{dll} is missing: the Kestrel peer was not built")
        kestrel = dotnet_peer.kestrel_settings(host_settings, host_server_settings(host_settings))
        return Launch(["dotnet", dll], os.path.dirname(dll),
                      dotnet_peer.launch_env(env, build_dir, port, kestrel),
                      "POST", server.path_prefix + "/first", body)

    if server.kind == "external":
        # Started by someone else; plugin-host (or a balancer in front of it) is ready
        # once /healthz answers 200.
        return Launch([], REPO_DIR, env, "GET", "/healthz")

    raise ValueError(f"unknown server kind {server.kind}")


def is_ready(launch, port, timeout_s, host="127.0.0.1"):
    """True once the server answers its readiness request with 200."""
    request = urllib.request.Request(
        f"http://{host}:{port}{launch.ready_path}", data=launch.ready_body,
        method=launch.ready_method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            response.read()
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def metrics(port, host="127.0.0.1"):
    """plugin-host's /metrics as {name: value} for unlabelled samples; {} while it cannot answer."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=2) as response:
            text = response.read().decode()
    except (urllib.error.URLError, OSError):
        return {}
    samples = {}
    for line in text.splitlines():
        match = re.match(r"^([a-z_]+) ([0-9.e+-]+)$", line)
        if match:
            samples[match.group(1)] = float(match.group(2))
    return samples


def describe_versions():
    """Versions of what the benchmark runs, for the results' header."""
    versions = {}
    for package in ("wrk", "libpoco-dev", "python3-flask", "gunicorn", "python3-waitress",
                    "python3-fastapi", "uvicorn", "python3-werkzeug", "nginx-light"):
        versions[package] = package_version(package)
    if dotnet_peer.available():
        versions["dotnet-sdk"] = dotnet_peer.sdk_version()
        versions["aspnetcore-runtime"] = dotnet_peer.runtime_version()
    return versions


def host_server_settings(settings=()):
    """The [server] values plugin-host runs with under a benchmark, as {key: text}:
    config/server.ini's, with a scenario's `settings` ((section, key, value) triples) in
    their place, as write_host_config writes them."""
    values = {}
    section = ""
    with open(os.path.join(REPO_DIR, "config", "server.ini")) as f:
        for line in f:
            stripped = line.strip()
            header = re.match(r"^\[([^\]]+)\]$", stripped)
            if header:
                section = header.group(1)
            elif section == "server" and "=" in stripped and stripped[0] not in ";#":
                key, value = stripped.split("=", 1)
                values[key.strip()] = value.strip()
    values.update({key: str(value) for section, key, value in settings if section == "server"})
    return values
