#!/usr/bin/env bash
# CI: the whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# concurrency tests under ThreadSanitizer. Host, plugins and tests are all instrumented
# (CMake option PLUGIN_HOST_SANITIZE); Poco and the C++ library are not. Any sanitizer
# report fails the run: every report aborts its process, and reports are also written to
# files (children of the tests, such as the plugin-host executable, included) that must
# not exist afterwards. Nothing is suppressed.
#
#   scripts/ci/sanitizers.sh [address|thread]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/../.."
umask 022  # plugin files and folders must not be group-writable (PluginTrust)

section() { printf '\n==== %s ====\n' "$*"; }

# The tests that run threads against each other: hot swaps under load, keep-alive load,
# concurrent requests, the repository's waits, the connection gate and TurnAway, the
# event loops, the worker pool, answers that come later, the drain, and the executable under hostile clients
# and with a thousand connections open; filters, lifecycle hooks and state handed across a
# swap.
concurrency_tests='^(HotSwapTest|HostTest|HostConcurrency|HostStartup|RepositoryService|ConnectionGate|HttpConnection|HttpConnectionTest|WorkerPool|EventLoop|TimerThreadTest|PendingResponseTest|DeferredAnswerTest|DeferredKeepsThePluginTest|DeferredAnswers|TurnAwayTest|GateAtCapacity|PluginManagerTest|HostileInput|DescriptorCost|FiltersTest|FilterChainTest|Lifecycle|KvTest|KvSwapTest|PluginMeters|PluginMetricsTest)\.|^HostApplication\.Sig'

# ThreadSanitizer needs an address layout it knows; newer kernels randomise mmap more than
# its shadow memory allows, so its programs run without address randomisation (setarch -R),
# including the test listing CMake runs after building.
no_aslr() { setarch "$(uname -m)" -R "$@"; }

run() {
    local kind=$1 build=build-$1 reports status=0
    section "Sanitizer: $kind"
    # -O1 -g1: fast enough to run, line numbers in every report, and half the build time of -O2 -g.
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
        -DPLUGIN_HOST_SANITIZE="$2"
    reports="$PWD/$build/sanitizer-reports"
    rm -rf "$reports" && mkdir -p "$reports"
    case $kind in
    address)
        cmake --build "$build"
        ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:log_path=$reports/asan" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan" \
            ctest --test-dir "$build" --output-on-failure -j2 || status=$?
        ;;
    thread)
        no_aslr cmake --build "$build"
        TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$reports/tsan" \
            no_aslr ctest --test-dir "$build" --output-on-failure -j2 -R "$concurrency_tests" || status=$?
        ;;
    esac
    if compgen -G "$reports/*" >/dev/null; then
        echo "sanitizers: $kind reported:" >&2
        cat "$reports"/* >&2
        status=1
    fi
    return "$status"
}

kinds=("$@")
[ ${#kinds[@]} -eq 0 ] && kinds=(address thread)
for kind in "${kinds[@]}"; do
    case $kind in
    address) run address address,undefined ;;
    thread) run thread thread ;;
    *) echo "sanitizers: unknown kind '$kind' (address, thread)" >&2; exit 2 ;;
    esac
done
