#!/usr/bin/env bash
# Builds the Dockerfile with podman and tests the container the way its users run it.
#
#   tests/container/run.sh
#
# Runs as root on Debian bookworm without a Docker engine or a container registry:
# installs podman (Debian's packages) if missing, bootstraps debian:bookworm and
# debian:bookworm-slim locally with debootstrap, builds the image, checks its
# configuration, then
#   - runs the image as it is, its port 8991 published on a free loopback port: health
#     check, the three seed requests, SIGTERM, exit code 0;
#   - runs it with a bind-mounted server.ini and plugin folder on a free loopback port:
#     the three seed requests, a plugin hot-swapped from outside (write, then rename), and
#     a SIGTERM while a request is in flight (the request must still get its 200, the
#     container exit 0).
# Every bit of podman state lives in one scratch folder that is removed at the end, with
# every container, image, volume and mount in it. Traffic goes to 127.0.0.1 only; no
# bridge network, so no iptables rules.
#
# Needs build/test-plugins/swap_v1.so and swap_v2.so (cmake --build build).
#
# Environment:
#   PLUGIN_HOST_BUILD_DIR            the build tree with the test plugins (default: build)
#   PLUGIN_HOST_CONTAINER_SKIP_SWAP  1: skip the hot-swap step (for local iteration only;
#                                    the summary then says the run was incomplete)
#   PLUGIN_HOST_CONTAINER_CACHE      a folder to keep the bootstrapped base images in between
#                                    runs (default: none, bootstrap every time)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
build_dir=${PLUGIN_HOST_BUILD_DIR:-build}
skip_swap=${PLUGIN_HOST_CONTAINER_SKIP_SWAP:-0}
cache_dir=${PLUGIN_HOST_CONTAINER_CACHE:-}

image=localhost/plugin-host:container-test
run_id=$$
default_container=plugin-host-default-$run_id
test_container=plugin-host-test-$run_id

started=$SECONDS
step_number=0
step_started=$SECONDS
results=()

# shellcheck source=tests/container/podman_env.sh
source "$repo/tests/container/podman_env.sh"
# shellcheck source=tests/container/container_checks.sh
source "$repo/tests/container/container_checks.sh"

# ---- Tools ----

step "Tools: podman and friends from Debian's packages"
tools=(podman runc uidmap fuse-overlayfs slirp4netns debootstrap curl ca-certificates)
missing=()
for package in "${tools[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    info "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -q >/dev/null
    timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
info "$(podman --version), $(runc --version | head -1)"
for plugin in swap_v1 swap_v2; do
    [ -f "$build_dir/test-plugins/$plugin.so" ] ||
        fail "$build_dir/test-plugins/$plugin.so is missing: build the project first (cmake --build $build_dir)"
done
passed "tools ready"

# ---- Base images ----

step "Base images: debian:bookworm and debian:bookworm-slim, bootstrapped locally"
# The Debian mirror this machine uses (deb822 sources first, then one-line sources).
mirror=$(awk '/^URIs:/ { uri = $2 } /^Suites:/ && / bookworm( |$)/ { print uri; exit }' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [ -z "$mirror" ]; then
    mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

bootstrap_base_images() {
    local rootfs=$scratch/rootfs
    info "debootstrap --variant=minbase bookworm from $mirror"
    timeout 900 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" \
        >"$scratch/work/debootstrap.log" 2>&1 ||
        { tail -20 "$scratch/work/debootstrap.log" >&2; fail "debootstrap failed"; }
    # Give the image the package sources this machine (and so CI) uses.
    if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
        cat /etc/apt/sources.list.d/*.sources >"$rootfs/etc/apt/sources.list.d/debian.sources"
        rm -f "$rootfs/etc/apt/sources.list"
    fi
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -cf "$scratch/work/bookworm.tar" .
    # The slim variant, as Debian's official slim image is made: documentation, manual
    # pages and translations are neither kept nor installed by later packages.
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
# Keep documentation, manual pages and translations out of this image.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$rootfs"/usr/share/{man,info,groff,lintian}/*
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    tar -C "$rootfs" -cf "$scratch/work/bookworm-slim.tar" .
    rm -rf "$rootfs"
}

if [ -n "$cache_dir" ] && [ -f "$cache_dir/bookworm.tar" ] && [ -f "$cache_dir/bookworm-slim.tar" ]; then
    info "using the base images cached in $cache_dir"
    cp "$cache_dir/bookworm.tar" "$cache_dir/bookworm-slim.tar" "$scratch/work/"
else
    bootstrap_base_images
    if [ -n "$cache_dir" ]; then
        mkdir -p "$cache_dir"
        cp "$scratch/work/bookworm.tar" "$cache_dir/bookworm.tar.tmp"
        cp "$scratch/work/bookworm-slim.tar" "$cache_dir/bookworm-slim.tar.tmp"
        mv "$cache_dir/bookworm.tar.tmp" "$cache_dir/bookworm.tar"
        mv "$cache_dir/bookworm-slim.tar.tmp" "$cache_dir/bookworm-slim.tar"
    fi
fi
base_changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    --change 'CMD ["bash"]')
podman import --quiet "${base_changes[@]}" "$scratch/work/bookworm.tar" \
    docker.io/library/debian:bookworm >/dev/null
podman import --quiet "${base_changes[@]}" "$scratch/work/bookworm-slim.tar" \
    docker.io/library/debian:bookworm-slim >/dev/null
rm -f "$scratch/work/bookworm.tar" "$scratch/work/bookworm-slim.tar"
podman images --format '    {{.Repository}}:{{.Tag}}  {{.Size}}'
passed "base images imported"

# ---- Build ----

step "Build the image: podman build (the Dockerfile, unchanged)"
# --format docker: the OCI image format has no HEALTHCHECK; Docker's format keeps it.
if ! timeout 1800 podman build --format docker --network=host --pull=never \
    -t "$image" . >"$scratch/work/build.log" 2>&1; then
    tail -40 "$scratch/work/build.log" >&2
    fail "podman build failed"
fi
megabytes() { awk -v bytes="$1" 'BEGIN { printf "%.1f MB", bytes / 1000000 }'; }
image_bytes=$(podman image inspect --format '{{.Size}}' "$image")
slim_bytes=$(podman image inspect --format '{{.Size}}' docker.io/library/debian:bookworm-slim)
info "image size: $(megabytes "$image_bytes") ($image_bytes bytes): the base" \
    "debian:bookworm-slim $(megabytes "$slim_bytes"), the Dockerfile's layers" \
    "$(megabytes $((image_bytes - slim_bytes)))"
podman history --format '{{.Size}}\t{{.CreatedBy}}' "$image" |
    awk -F '\t' '$1 != "0 B" { printf "      %-9s %.90s\n", $1, $2 }'
passed "image built"

# ---- Image configuration ----

step "Image configuration: user, port, health check, stop signal, volume, entrypoint"
inspect() { podman image inspect --format "$1" "$image"; }
user=$(inspect '{{.Config.User}}')
ports=$(inspect '{{range $port, $_ := .Config.ExposedPorts}}{{$port}} {{end}}')
health=$(inspect '{{.HealthCheck.Test}}')
stop_signal=$(inspect '{{.Config.StopSignal}}')
volumes=$(inspect '{{range $volume, $_ := .Config.Volumes}}{{$volume}} {{end}}')
entrypoint=$(inspect '{{.Config.Entrypoint}}')
command=$(inspect '{{.Config.Cmd}}')
info "User=$user ExposedPorts=$ports StopSignal=$stop_signal Volumes=$volumes"
info "Healthcheck=$health"
info "Entrypoint=$entrypoint Cmd=$command"
case "$user" in "" | root | root:* | 0 | 0:*) fail "the image runs as root" ;; esac
[[ " $ports" == *" 8991/tcp "* ]] || fail "the image does not expose 8991/tcp"
[[ "$health" == *healthcheck* ]] || fail "the image has no HEALTHCHECK"
[ "$stop_signal" = SIGTERM ] || fail "the stop signal is not SIGTERM"
[[ " $volumes" == *" /app/plugins "* ]] || fail "/app/plugins is not a volume"
[ "$entrypoint" = "[/app/bin/plugin-host]" ] || fail "the entrypoint is not the server in exec form"
passed "image configuration as specified"

# ---- The image as users run it ----

step "docker run -d -p 8991:8991 plugin-host: the image as it is, its port published"
# Publishing a port without touching iptables: slirp4netns (user-mode networking) instead
# of a bridge, and only on loopback. Inside the container the server listens on 8991.
published_port=$(free_port)
start_container "$default_container" --network=slirp4netns \
    -p "127.0.0.1:$published_port:8991" "$image"
info "published 127.0.0.1:$published_port -> 8991/tcp in the container"
wait_healthy "$default_container" "$published_port"
check_process "$default_container"
run_healthcheck "$default_container"
seed_requests "$published_port"
stop_container "$default_container"
podman rm --volumes "$default_container" >/dev/null
passed "the image's own configuration: healthy, 200 for the three seed requests, exit 0"

# ---- Bind-mounted configuration and plugin folder ----

step "Bind-mounted server.ini and plugin folder, on a free loopback port"
port=$(free_port)
plugins_dir=$scratch/plugins
config_dir=$scratch/config
mkdir -p "$plugins_dir" "$config_dir"
# The image's own plugins and configuration, as a user would start from them, read from
# the image's file system (podman image mount) rather than from a throw-away container.
image_root=$(podman image mount "$image")
cp "$image_root"/app/plugins/*.so "$plugins_dir/"
cp "$image_root/app/config/server.ini" "$config_dir/server.ini"
podman image unmount "$image" >/dev/null
for plugin in first second third; do
    [ -f "$plugins_dir/$plugin.so" ] || fail "the image's /app/plugins has no $plugin.so"
done
cp "$build_dir/test-plugins/swap_v1.so" "$plugins_dir/swap.so"
# Listen on loopback only, on the free port; the repository waits 1.5 s so that a request
# is surely in flight when SIGTERM comes; one more plugin, the swap test's.
sed -i -e "s/^address = .*/address = 127.0.0.1/" -e "s/^port = .*/port = $port/" \
    -e "s/^delay_ms = .*/delay_ms = 1500/" "$config_dir/server.ini"
cat >>"$config_dir/server.ini" <<'EOF'

[plugin.swap]
library = ../plugins/swap.so
route = /swap
EOF
grep -qx "port = $port" "$config_dir/server.ini" || fail "could not set the port in server.ini"
grep -qx "delay_ms = 1500" "$config_dir/server.ini" || fail "could not set delay_ms in server.ini"
# The server runs as an unprivileged user: everything it reads must be readable to others.
chmod 0755 "$plugins_dir" "$config_dir"
chmod 0644 "$plugins_dir"/*.so "$config_dir/server.ini"
info "plugin folder $plugins_dir: $(cd "$plugins_dir" && echo *)"
info "server.ini: the image's, with address 127.0.0.1, port $port, delay_ms 1500, [plugin.swap]"
start_container "$test_container" --network=host \
    -v "$plugins_dir:/app/plugins:ro" \
    -v "$config_dir/server.ini:/app/config/server.ini:ro" \
    "$image"
wait_healthy "$test_container" "$port"
info "GET /healthz -> $(curl -s -m 5 "http://127.0.0.1:$port/healthz")"
check_process "$test_container"
run_healthcheck "$test_container"
passed "started with the bind-mounted configuration, healthy on port $port"

step "The seed's three requests"
seed_requests "$port"
passed "200 for POST /first, /second and /third"

# ---- Hot-swap through the bind-mounted folder ----

step "Hot-swap: publish swap_v2 as swap.so (write swap.so.tmp, rename), expect v2 within 15 s"
answer=$(post "$port" /swap)
info "before: POST /swap -> $answer"
[ "$answer" = '200 {"version":"v1"}' ] || fail "POST /swap answered '$answer', not v1"
if [ "$skip_swap" = 1 ]; then
    info "SKIPPED (PLUGIN_HOST_CONTAINER_SKIP_SWAP=1)"
    results+=("SKIPPED  [$step_number] hot-swap (PLUGIN_HOST_CONTAINER_SKIP_SWAP=1): this run is incomplete")
else
    cp "$build_dir/test-plugins/swap_v2.so" "$plugins_dir/swap.so.tmp"
    chmod 0644 "$plugins_dir/swap.so.tmp"
    mv -f "$plugins_dir/swap.so.tmp" "$plugins_dir/swap.so"
    published=$SECONDS
    deadline=$((SECONDS + 15))
    swapped=0
    while [ $SECONDS -lt $deadline ]; do
        answer=$(post "$port" /swap)
        info "after $((SECONDS - published)) s: POST /swap -> $answer"
        if [ "$answer" = '200 {"version":"v2"}' ]; then
            swapped=1
            break
        fi
        sleep 0.5
    done
    if [ "$swapped" = 1 ]; then
        passed "the new plugin answered $((SECONDS - published)) s after the rename"
    else
        printf '    FAILED: POST /swap still answers v1 15 s after swap.so was replaced:\n' >&2
        printf '    the host did not load the new plugin (automatic hot-swap).\n' >&2
        results+=("FAILED   [$step_number] hot-swap: still v1 15 s after the rename")
        swap_failed=1
    fi
fi

# ---- SIGTERM with a request in flight ----

step "SIGTERM with a request in flight: podman stop while POST /first waits in the repository"
started_before=$(podman logs "$test_container" 2>&1 | grep -c 'Starting first' || true)
(
    code=$(curl -s -m 30 -o "$scratch/work/inflight.body" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' -d '{"info": {"sequence": "first"}}' \
        "http://127.0.0.1:$port/first" || true)
    echo "$code" >"$scratch/work/inflight.code"
) &
curl_pid=$!
sleep 0.3
# On a busy machine the request may take longer to arrive: wait (at most 1 s more) until
# the server has logged it, so that the signal surely finds it in flight.
for _ in 1 2 3 4 5; do
    [ "$(podman logs "$test_container" 2>&1 | grep -c 'Starting first')" -gt "$started_before" ] && break
    sleep 0.2
done
info "POST /first is in the repository's 1.5 s wait; podman stop --time 20 (SIGTERM)"
stop_container "$test_container"
wait "$curl_pid" || true
curl_pid=
code=$(cat "$scratch/work/inflight.code")
info "the in-flight POST /first -> $code $(cat "$scratch/work/inflight.body" 2>/dev/null || true)"
[ "$code" = 200 ] || fail "the request in flight answered '$code', not 200"
podman logs "$test_container" >"$scratch/work/test.log" 2>&1
# The request had started before the signal: its "Starting" line precedes "Received".
starting=$(grep -n 'Starting first' "$scratch/work/test.log" | sed -n "$((started_before + 1))p" | cut -d: -f1)
received=$(grep -n 'Received' "$scratch/work/test.log" | head -1 | cut -d: -f1)
info "log: $(grep -E 'Received|Stopped' "$scratch/work/test.log" | tr '\n' ' ')"
[ -n "$starting" ] && [ -n "$received" ] && [ "$starting" -lt "$received" ] ||
    fail "the log does not show the request starting before SIGTERM arrived"
passed "the request in flight got its 200 and the container exited 0"

# ---- Done ----

if [ "${swap_failed:-0}" = 1 ]; then
    echo >&2
    echo "every step passed except the hot-swap step" >&2
    exit 1
fi
