"""The Kestrel peer (bench/peers/dotnet): built once per benchmark run with the .NET SDK on
PATH, then started for each of its runs with the limits the scenario gives plugin-host.

Everything the build writes lands in BUILD_DIR/dotnet-peer: the compiler's output
(--artifacts-path), and the SDK's first-run files and NuGet's settings and caches
(DOTNET_CLI_HOME), so the source tree stays clean and deleting the build folder removes it
all. The project references only the shared framework Microsoft.AspNetCore.App, whose
targeting pack ships with the SDK: the restore needs no package and no network.

Descriptors need nothing here: like plugin-host, the .NET runtime raises its soft open-file
limit to the hard one at start, so both run under the limit the benchmark inherited.
"""

import os
import shutil
import subprocess
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.join(BENCH_DIR, "peers", "dotnet", "SeedApi.csproj")

MISSING = ("dotnet not found on PATH: the Kestrel peer (bench/peers/dotnet) needs the .NET "
           "SDK 10, which Debian does not package; install it from Microsoft, or leave dotnet "
           "out of --servers")

# Quiet, and nothing sent anywhere: no telemetry, no banner, no first-run work.
QUIET_ENV = {
    "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
    "DOTNET_NOLOGO": "1",
    "DOTNET_SKIP_FIRST_TIME_EXPERIENCE": "1",
    "DOTNET_GENERATE_ASPNET_CERTIFICATE": "false",
    "DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE": "1",
}


def available():
    return shutil.which("dotnet") is not None


def root(build_dir):
    return os.path.join(build_dir, "dotnet-peer")


def published_dll(build_dir):
    return os.path.join(root(build_dir), "artifacts", "publish", "SeedApi", "release",
                        "SeedApi.dll")


def cli_env(build_dir, base=None):
    env = dict(os.environ if base is None else base)
    env.update(QUIET_ENV)
    env["DOTNET_CLI_HOME"] = os.path.join(root(build_dir), "home")
    return env


class BuildError(Exception):
    pass


def build(build_dir, log_path, log):
    """`dotnet publish` in Release into build_dir/dotnet-peer (incremental: seconds when
    nothing changed); the SDK's output goes to log_path. Raises BuildError with its last
    lines when the build fails."""
    artifacts = os.path.join(root(build_dir), "artifacts")
    # --disable-build-servers: no compiler server or MSBuild node stays behind, idle but
    # resident, beside the servers the benchmark measures.
    argv = ["dotnet", "publish", PROJECT, "-c", "Release", "--artifacts-path", artifacts,
            "--disable-build-servers"]
    log(f"building the Kestrel peer (bench/peers/dotnet, Release) with dotnet {sdk_version()} "
        f"into {root(build_dir)}")
    started = time.monotonic()
    with open(log_path, "w") as out:
        out.write("$ " + " ".join(argv) + "\n")
        out.flush()
        result = subprocess.run(argv, env=cli_env(build_dir), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0 or not os.path.exists(published_dll(build_dir)):
        with open(log_path) as f:
            tail = "".join(f.readlines()[-15:])
        raise BuildError(f"dotnet publish failed ({result.returncode}); {log_path}:\n{tail}")
    log(f"built the Kestrel peer in {time.monotonic() - started:.1f} s")
    return published_dll(build_dir)


def sdk_version():
    try:
        out = subprocess.run(["dotnet", "--version"], capture_output=True, text=True,
                             timeout=60, env={**os.environ, **QUIET_ENV})
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def runtime_version():
    """The ASP.NET Core shared runtime the peer runs on (the newest installed)."""
    try:
        out = subprocess.run(["dotnet", "--list-runtimes"], capture_output=True, text=True,
                             timeout=60, env={**os.environ, **QUIET_ENV})
    except (OSError, subprocess.TimeoutExpired):
        return ""
    versions = [line.split()[1] for line in out.stdout.splitlines()
                if line.startswith("Microsoft.AspNetCore.App ")]
    return versions[-1] if versions else ""


def kestrel_settings(host_settings, host_server_settings):
    """The environment that gives Kestrel the limits a scenario raised for plugin-host.

    Kestrel keeps its own defaults (no connection limit, a listen queue of 512) where the
    scenario keeps plugin-host's, as the seed ran it. Where the scenario (or --host-setting)
    sets plugin-host's max_connections or listen_backlog, an operator would raise Kestrel's
    too: it gets the same connection limit and the same listen queue as plugin-host runs
    with. host_server_settings is plugin-host's [server] section as the run writes it."""
    raised = {key for section, key, _ in host_settings
              if section == "server" and key in ("max_connections", "listen_backlog")}
    if not raised:
        return {}
    return {
        "Kestrel__Limits__MaxConcurrentConnections": host_server_settings["max_connections"],
        "SocketTransport__Backlog": host_server_settings["listen_backlog"],
    }


def launch_env(base_env, build_dir, port, kestrel_env):
    """The peer's environment: the address, quiet dotnet, and the scenario's limits (the
    repository delay, REPOSITORY_DELAY_MS, is already in base_env)."""
    env = cli_env(build_dir, base_env)
    env["ASPNETCORE_URLS"] = f"http://127.0.0.1:{port}"
    env["ASPNETCORE_ENVIRONMENT"] = "Production"
    env.update(kestrel_env)
    return env
