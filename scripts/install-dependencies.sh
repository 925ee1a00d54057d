#!/usr/bin/env bash
# Installs the Debian packages this project needs (run as root on Debian bookworm).
#
#   scripts/install-dependencies.sh [GROUP...]
#
# Groups: build (default) — compiler, CMake, Poco, Boost, GoogleTest (GCC's sanitizer
#         runtimes come with g++);
#         fuzz — clang with libFuzzer and its sanitizer runtimes, llvm-symbolizer.
set -euo pipefail

declare -A packages=(
    [build]="g++ cmake ninja-build make libpoco-dev libboost-dev libgtest-dev curl ca-certificates"
    [fuzz]="clang libclang-rt-14-dev llvm"
)

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(build)

wanted=()
for group in "${groups[@]}"; do
    if [ -z "${packages[$group]+set}" ]; then
        echo "install-dependencies: unknown group '$group' (known: ${!packages[*]})" >&2
        exit 2
    fi
    read -r -a list <<<"${packages[$group]}"
    wanted+=("${list[@]}")
done

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
