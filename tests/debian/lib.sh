# shellcheck shell=bash
# Sourced by tests/debian/package_test.sh: its output and assertions, waiting, and the
# clean-up at exit. Uses package_test.sh's variables (started, work, run, host_pid, ...).
# shellcheck disable=SC2154  # assigned in package_test.sh

say() { echo "debian-package: [$((SECONDS - started)) s] $*"; }
die() { echo "debian-package: FAIL: $*" >&2; exit 1; }
passed=0
failed=0
not() { ! "$@"; }
check() {  # name command...: one assertion, reported
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"
    fi
}

host_running() {  # an exited child stays a zombie until waited for: kill -0 would still succeed
    [ -n "$host_pid" ] && [ -e "/proc/$host_pid" ] && ! grep -q '^[0-9]* (.*) Z ' "/proc/$host_pid/stat"
}
wait_for() {  # seconds description command...: runs the command every 0.1 s until it succeeds
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@"; do
        [ $SECONDS -lt $deadline ] || { echo "    gave up waiting for $what"; return 1; }
        if [ -n "$host_pid" ] && ! host_running; then
            "$@" && return 0  # what it did just before it exited
            echo "    the host exited while waiting for $what"; return 1
        fi
        sleep 0.1
    done
}

cleanup() {  # at exit: the host and the notify socket stopped, the packages purged, the scratch gone
    local status=$?
    if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then kill -KILL "$host_pid"; fi
    [ -n "$notify_pid" ] && kill "$notify_pid" 2>/dev/null
    wait 2>/dev/null
    if [ $status -ne 0 ] && [ -s "$work/host.log" ]; then
        echo "---- the host's output (last 30 lines) ----"; tail -n 30 "$work/host.log"
    fi
    if [ "$installed" = yes ]; then dpkg --purge plugin-host-dev plugin-host >/dev/null 2>&1 || true; fi
    rm -rf "$work" "$run"
}
