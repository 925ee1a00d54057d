#!/usr/bin/env bash
# CI: builds the libFuzzer targets in fuzz/ with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer included) and runs each for a bounded time, starting from its
# seed corpus in fuzz/corpus/<target>/. libFuzzer exits non-zero on a crash, a leak, an
# input that takes longer than 10 s, too much memory, or a sanitizer report: the run fails.
# New inputs it finds go to build-fuzz/corpus/, never into the repository.
#
#   scripts/ci/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DPLUGIN_HOST_FUZZ=ON -DBUILD_TESTING=OFF
cmake --build build-fuzz --target request_fuzzer config_fuzzer

declare -A max_len=([request]=16384 [config]=8192)
for target in request config; do
    printf '\n==== Fuzzing %s for %s s ====\n' "$target" "$seconds"
    found=build-fuzz/corpus/$target
    artifacts=build-fuzz/artifacts/$target
    mkdir -p "$found" "$artifacts"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "build-fuzz/fuzz/${target}_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len="${max_len[$target]}" -dict="fuzz/$target.dict" -artifact_prefix="$artifacts/" \
        -print_final_stats=1 "$found" "fuzz/corpus/$target"
done
