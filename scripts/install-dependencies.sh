#!/usr/bin/env bash
# Installs the Debian packages this project needs (run as root on Debian bookworm).
#
#   scripts/install-dependencies.sh [GROUP...]
#
# Groups: build (default) — compiler, CMake, Poco, Boost, nlohmann-json (the SDK's JSON, which
#         every plugin build links), prometheus-cpp (the metrics; the host links its core
#         library only), libsystemd (sd_notify), GoogleTest and Google Benchmark
#         (GCC's sanitizer runtimes come with g++), python3 for the test that runs
#         the k6 script, and nodejs and python3-h11, the reference parsers of the
#         differential conformance test (tests/conformance/).
#         bench — wrk and the seed's Python servers for bench/run.py, matplotlib, and
#         nginx-light (the raw scenario's yardstick). The Kestrel peer needs the .NET SDK 10
#         (`dotnet`), which Debian does not package: this only says when it is missing.
#         k6check — node and npm for k6/check.sh (skipped when node is already there).
#         fuzz — clang with libFuzzer and its sanitizer runtimes, llvm-symbolizer.
#         deploy — nginx, and what the loopback scale test runs the benchmark with
#         (tests/deploy/scale_out_test.sh); scripts/ci/check-deploy.sh also needs k6check's
#         node and npm.
#         monitoring — Prometheus and promtool (tests/deploy/monitoring_test.py: the alert
#         rules, their unit tests, and a real Prometheus scraping the host), PyYAML, and
#         matplotlib for the dashboard's picture. Installing the package starts no daemon
#         where systemd is not running; elsewhere `systemctl disable --now prometheus`.
#         debian — what tests/debian/package_test.sh builds, checks and installs the Debian
#         packages with: dpkg-shlibdeps, lintian, systemd-analyze, deb-systemd-helper, and
#         the package's own dependencies adduser and procps, and nlohmann-json3-dev, which
#         plugin-host-dev needs and which the test's plugin build against /usr includes.
set -euo pipefail

declare -A packages=(
    [build]="g++ cmake ninja-build make pkg-config libpoco-dev libboost-dev nlohmann-json3-dev prometheus-cpp-dev libsystemd-dev libgtest-dev libbenchmark-dev curl ca-certificates python3 nodejs python3-h11"
    [bench]="wrk python3 python3-flask gunicorn python3-waitress python3-fastapi uvicorn python3-matplotlib nginx-light"
    [k6check]="nodejs npm"
    [fuzz]="clang libclang-rt-14-dev llvm"
    [deploy]="nginx-light wrk curl python3-matplotlib"
    [monitoring]="prometheus python3-yaml python3-matplotlib"
    [debian]="dpkg-dev lintian systemd init-system-helpers adduser procps nlohmann-json3-dev util-linux curl python3"
)

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(build)

wanted=()
for group in "${groups[@]}"; do
    if [ -z "${packages[$group]+set}" ]; then
        echo "install-dependencies: unknown group '$group' (known: ${!packages[*]})" >&2
        exit 2
    fi
    if [ "$group" = k6check ] && command -v node >/dev/null && command -v npm >/dev/null; then
        echo "install-dependencies: k6check: node $(node --version) and npm $(npm --version) are there"
        continue
    fi
    read -r -a list <<<"${packages[$group]}"
    wanted+=("${list[@]}")
done

if [[ " ${groups[*]} " == *" bench "* ]] && ! command -v dotnet >/dev/null; then
    echo "install-dependencies: bench: dotnet (the .NET SDK 10) is not on PATH and Debian has no package for it;" \
         "bench/run.py needs it for the Kestrel peer (server dotnet)" >&2
fi

missing=()
for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-dependencies: everything for ${groups[*]} is installed"
    exit 0
fi

echo "install-dependencies: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
