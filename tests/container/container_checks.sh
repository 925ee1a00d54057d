# Sourced by tests/container/run.sh: HTTP requests to the containers (curl, only to
# 127.0.0.1), and starting, checking and stopping a container.

# ---- HTTP helpers (curl, only to 127.0.0.1) ----

# post PORT PATH: POSTs {"info": {"sequence": <PATH without />}}, prints "STATUS BODY".
post() {
    local port=$1 path=$2 sequence=${2#/}
    curl -s -m 30 -o "$scratch/work/response" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' -d "{\"info\": {\"sequence\": \"$sequence\"}}" \
        "http://127.0.0.1:$port$path" >"$scratch/work/status" || true
    printf '%s %s\n' "$(cat "$scratch/work/status")" "$(cat "$scratch/work/response" 2>/dev/null)"
}

# wait_healthy CONTAINER PORT: waits (at most 60 s) until GET /healthz answers 200.
wait_healthy() {
    local container=$1 port=$2 deadline=$((SECONDS + 60)) code
    while [ $SECONDS -lt $deadline ]; do
        code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
        [ "$code" = 200 ] && return 0
        if [ "$(podman inspect --format '{{.State.Running}}' "$container")" != true ]; then
            podman logs "$container" >&2 || true
            fail "$container exited before it was healthy"
        fi
        sleep 0.5
    done
    podman logs "$container" >&2 || true
    fail "$container: /healthz did not answer 200 within 60 s"
}

# seed_requests PORT: the seed's three POSTs in parallel, each must answer 200.
seed_requests() {
    local port=$1 name
    for name in first second third; do
        (
            code=$(curl -s -m 30 -o "$scratch/work/$name.body" -w '%{http_code}' -X POST \
                -H 'Content-Type: application/json' \
                -d "{\"info\": {\"sequence\": \"$name\"}}" "http://127.0.0.1:$port/$name" || true)
            echo "$code" >"$scratch/work/$name.code"
        ) &
    done
    wait
    for name in first second third; do
        local code body
        code=$(cat "$scratch/work/$name.code")
        body=$(cat "$scratch/work/$name.body" 2>/dev/null || true)
        info "POST /$name -> $code $body"
        [ "$code" = 200 ] || fail "POST /$name answered $code, not 200"
        [ "$body" = "{\"result\":\"${name}_first,${name}_second Executed\"}" ] ||
            fail "POST /$name answered an unexpected body"
    done
}

# run_healthcheck CONTAINER: the image's HEALTHCHECK, run once by podman.
run_healthcheck() {
    local output
    if ! output=$(podman healthcheck run "$1" 2>&1); then
        podman inspect --format '{{json .State.Health}}' "$1" >&2 || true
        fail "HEALTHCHECK of $1 reported unhealthy: $output"
    fi
    info "podman healthcheck run: ${output:-healthy}"
}

# check_process CONTAINER: the server's user and open-file limit, as the kernel sees them.
check_process() {
    local pid uid
    pid=$(podman inspect --format '{{.State.Pid}}' "$1")
    uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
    info "PID 1 in the container is $(tr '\0' ' ' <"/proc/$pid/cmdline")"
    info "it runs as uid $uid; $(grep 'Max open files' "/proc/$pid/limits" | tr -s ' ')"
    [ "$uid" != 0 ] || fail "the server runs as root"
}

# start_container NAME ARGS...: podman run -d with this machine's limits. An explicit
# --ulimit replaces all of containers.conf's default_ulimits, so both are given. Podman
# caps a container at 2048 processes and threads by default; the server's threads are its
# loops, at most max_workers workers (1600 with the image's configuration) and a few more,
# and a user's max_workers may be higher.
start_container() {
    local name=$1
    shift
    podman run -d --name "$name" --pids-limit 4096 \
        --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" \
        "$@" >/dev/null || fail "podman run $name failed"
}

# stop_container CONTAINER: podman stop (SIGTERM), then the exit code must be 0.
stop_container() {
    local before=$SECONDS exit_code
    podman stop --time 20 "$1" >/dev/null
    exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$1")
    info "podman stop took $((SECONDS - before)) s; exit code $exit_code"
    [ "$exit_code" = 0 ] || { podman logs "$1" >&2; fail "$1 exited $exit_code, not 0"; }
}

# Local ports of every TCP socket on this machine, as /proc/net shows them (hex).
used_ports() {
    awk 'NR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 | sort -u
}

port_in_use() {
    used_ports | grep -qx "$(printf '%04X' "$1")"
}

# free_port: a TCP port in 20000-59999 that no socket on this machine uses.
free_port() {
    local port
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % 40000))
        port_in_use "$port" || { echo "$port"; return 0; }
    done
    fail "no free port found"
}
