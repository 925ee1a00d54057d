#!/usr/bin/env bash
# Runs deploy/k8s/deployment.yaml's pod as far as one machine can without a cluster: the
# files and commands of the manifests, the real plugin-host, the pod's user and layout.
#
#   tests/deploy/k8s_pod_test.sh [BUILD_DIR]          (as root; default BUILD_DIR: build)
#
# Under a scratch folder standing for the pod's file system (every absolute path of the
# manifests' scripts is moved under it), in a mount namespace of its own:
#   - the image's /app (BUILD_DIR's plugin-host and seed plugins, container/healthcheck.sh),
#     the plugin volume's root as fsGroup leaves it (root:10001, 2775), the emptyDir's
#     (0777), and /app/config laid out as kubelet mounts a ConfigMap (symbolic links
#     through ..data) holding configmap.yaml's server.ini (on a free port of 127.0.0.1,
#     without the repository's 2 s wait);
#   - the init container's script, as uid 10001, twice (a second pod seeds nothing);
#   - the subPath mounts as bind mounts, then plugin-host as uid 10001;
#   - the readiness command (must pass), GET /healthz (liveness), a new version of a plugin
#     published into the volume as docs/scaling-out.md says (copy beside, rename over, as uid 10001:
#     the test plugin swap.so, v1 then v2, in a [plugin.swap] section added for the test;
#     the host must answer with v2), the preStop command (readiness must then fail),
#     SIGTERM (exit 0).
# Reads the manifests with deploy/check's yaml package (installs deploy/check's pinned
# tools when missing). Traffic goes to 127.0.0.1 only; takes a few seconds.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$(cd "${1:-$repo/build}" && pwd)

if [ "$(id -u)" -ne 0 ]; then
    echo "k8s-pod: needs root (mount namespace, running as uid 10001): skipped"
    echo "k8s-pod: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
if [ -z "${PLUGIN_HOST_K8S_POD_NS:-}" ]; then  # into a mount namespace of our own
    PLUGIN_HOST_K8S_POD_NS=1 exec unshare --mount --propagation private "$0" "$build_dir"
fi

uid=10001
as_user() { setpriv --reuid=$uid --regid=$uid --clear-groups -- "$@"; }

passed=0
failed=0
check() {  # name command...
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"
    fi
}

for file in "$build_dir/bin/plugin-host" "$build_dir/plugins/first.so" \
            "$build_dir/test-plugins/swap_v1.so" "$build_dir/test-plugins/swap_v2.so"; do
    [ -e "$file" ] || { echo "k8s-pod: $file is missing: build first" >&2; exit 1; }
done
[ -d "$repo/deploy/check/node_modules/yaml" ] ||
    (cd "$repo/deploy/check" && npm ci --no-audit --no-fund --loglevel=error)

root=$(mktemp -d /tmp/plugin-host-k8s-pod.XXXXXX)
chmod 0755 "$root"
host_pid=""
cleanup() {
    local status=$?
    if [ -n "$host_pid" ]; then kill -KILL "$host_pid" 2>/dev/null; wait "$host_pid" 2>/dev/null; fi
    umount "$root/app/plugins" "$root/pod-tmp" 2>/dev/null || true
    if [ $status -eq 0 ] && [ $failed -eq 0 ]; then rm -rf "$root"; else echo "k8s-pod: files kept in $root"; fi
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The manifests' pieces: server.ini, the init script, the readiness and preStop commands.
node --input-type=module - "$repo" "$root" "$port" <<'EOF'
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
const [repo, root, port] = process.argv.slice(2);
const YAML = createRequire(`${repo}/deploy/check/package.json`)("yaml");
const load = (name) => YAML.parse(readFileSync(`${repo}/deploy/k8s/${name}`, "utf8"));
const ini = load("configmap.yaml").data["server.ini"]
    .replace(/^address = .*$/m, "address = 127.0.0.1").replace(/^port = .*$/m, `port = ${port}`)
    .replace(/^delay_ms = .*$/m, "delay_ms = 0") +
    "\n[plugin.swap]\nlibrary = ../plugins/swap.so\n";
writeFileSync(`${root}/server.ini`, ini);
const pod = load("deployment.yaml").spec.template.spec;
const container = pod.containers.find((c) => c.name === "plugin-host");
const init = pod.initContainers[0];
writeFileSync(`${root}/init.sh`, [...init.command.slice(2), ...init.args].join("\n"));
writeFileSync(`${root}/ready.sh`, container.readinessProbe.exec.command.slice(2).join(" "));
writeFileSync(`${root}/prestop.sh`, container.lifecycle.preStop.exec.command.slice(2).join(" "));
EOF
move_under_root() { sed -i -e "s#/volume#@ROOT@/volume#g" -e "s#/scratch#@ROOT@/scratch#g" \
    -e "s#/app/#@ROOT@/app/#g" -e "s#/tmp/#@ROOT@/pod-tmp/#g" -e "s#@ROOT@#$root#g" "$@"; }
move_under_root "$root/init.sh" "$root/ready.sh" "$root/prestop.sh"
sed -i -E 's/sleep [0-9]+/sleep 0/' "$root/prestop.sh"  # the wait is for kube-proxy, not here

# The image's /app, the volumes as the pod gets them, the ConfigMap as kubelet mounts it.
mkdir -p "$root/app/bin" "$root/app/plugins" "$root/app/config/..2026_01_01" "$root/volume" "$root/scratch" "$root/pod-tmp"
cp "$build_dir/bin/plugin-host" "$root/app/bin/"
cp "$repo/container/healthcheck.sh" "$root/app/bin/healthcheck"
cp "$build_dir"/plugins/{first,second,third}.so "$root/app/plugins/"
chmod 0755 "$root/app/bin/"* && chmod 0644 "$root/app/plugins/"*.so
chown root:$uid "$root/volume" && chmod 2775 "$root/volume"
chmod 0777 "$root/scratch"
mv "$root/server.ini" "$root/app/config/..2026_01_01/server.ini"
ln -s ..2026_01_01 "$root/app/config/..data"
ln -s ..data/server.ini "$root/app/config/server.ini"

echo "== init container, as uid $uid"
POD_NAME=plugin-host-a as_user /bin/sh -c "$(cat "$root/init.sh")" | tee "$root/init-a.log"
POD_NAME=plugin-host-b as_user /bin/sh -c "$(cat "$root/init.sh")" | tee "$root/init-b.log"
mode_owner() { stat -c '%a %u' "$1"; }
check "the first pod seeds the image's three plugins" [ "$(grep -c '^seeded' "$root/init-a.log")" -eq 3 ]
check "a second pod seeds nothing" [ ! -s "$root/init-b.log" ]
check "plugins/ belongs to uid $uid, writable by it alone" [ "$(mode_owner "$root/volume/plugins")" = "2755 $uid" ]
check "the seeded plugins are 0644, owned by uid $uid" \
    [ "$(stat -c '%a %u' "$root"/volume/plugins/*.so | sort -u)" = "644 $uid" ]
check "/tmp is 0700, owned by uid $uid" [ "$(mode_owner "$root/scratch/tmp")" = "700 $uid" ]
as_user cp "$build_dir/test-plugins/swap_v1.so" "$root/volume/plugins/swap.so"  # published earlier

echo "== plugin-host, as uid $uid"
mount --bind "$root/volume/plugins" "$root/app/plugins"  # the subPath mounts
mount --bind "$root/scratch/tmp" "$root/pod-tmp"
TMPDIR="$root/pod-tmp" setpriv --reuid=$uid --regid=$uid --clear-groups -- \
    "$root/app/bin/plugin-host" --config "$root/app/config/server.ini" >"$root/host.log" 2>&1 &
host_pid=$!
ready() { as_user /bin/sh -c "$(cat "$root/ready.sh")" >/dev/null 2>&1; }
for _ in $(seq 100); do ready && break; sleep 0.1; done
check "the readiness probe passes" ready
check "GET /healthz answers 200 (the liveness probe)" \
    curl -fs -o /dev/null --max-time 3 "http://127.0.0.1:$port/healthz"

echo "== a new version of a plugin published into the volume (copy beside, rename over)"
swap_version() { curl -fs --max-time 5 -X POST "http://127.0.0.1:$port/swap" \
    -H 'Content-Type: application/json' -d '{"info": {"sequence": "x"}}'; }
check "swap.so answers as v1" [ "$(swap_version)" = '{"version":"v1"}' ]
as_user cp "$build_dir/test-plugins/swap_v2.so" "$root/app/plugins/swap.so.tmp"
as_user mv "$root/app/plugins/swap.so.tmp" "$root/app/plugins/swap.so"
for _ in $(seq 100); do [ "$(swap_version)" = '{"version":"v2"}' ] && break; sleep 0.1; done
check "the host answers with the published v2" [ "$(swap_version)" = '{"version":"v2"}' ]

echo "== stopping: preStop, then SIGTERM"
check "the preStop command succeeds" as_user /bin/sh -c "$(cat "$root/prestop.sh")"
not_ready() { ! ready; }
check "the readiness probe fails after preStop" not_ready
kill -TERM "$host_pid"
set +e; wait "$host_pid"; status=$?; set -e
host_pid=""
check "plugin-host exits 0 on SIGTERM" [ "$status" -eq 0 ]
grep -E "host(\.plugins)?: (Loaded|Listening|Received|Stopped)" "$root/host.log" || true

echo "k8s-pod: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
