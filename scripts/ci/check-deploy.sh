#!/usr/bin/env bash
# Checks deploy/ without a Docker engine, a cluster or the network beyond npm's registry:
#
#   scripts/install-dependencies.sh k6check deploy && scripts/ci/check-deploy.sh
#
# 1. deploy/check/check.mjs: the compose file against the Compose Specification's schema
#    and dclint's rules; the Kubernetes manifests against the Kubernetes API (validation and
#    TypeScript's check of every field); the k6-operator TestRun against its CRD's fields;
#    and what ties the files together (ports, names, selectors, the ConfigMap's server.ini,
#    grace periods against the drain timeout, the memory request against the benchmark).
#    Its tools are pinned in deploy/check/package-lock.json.
# 2. `nginx -t` on deploy/nginx/nginx.conf with compose's host name rewritten to loopback
#    and its files under a scratch folder (tests/deploy/nginx_for_loopback.py), as the
#    user running this and, when that is root, once more as `nobody`.
# 3. `kubectl kustomize deploy/k8s`, when kubectl is installed (it renders offline).
# 4. `promtool check config` on deploy/prometheus/prometheus.yml (and so its alerts.yml),
#    when promtool is installed (scripts/install-dependencies.sh monitoring);
#    tests/deploy/monitoring_test.py runs the alerts' unit tests and the live checks.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

passed=0
failed=0
result() {  # status name
    if [ "$1" -eq 0 ]; then
        passed=$((passed + 1)); echo "ok   $2"
    else
        failed=$((failed + 1)); echo "FAIL $2"
    fi
}

echo "== deploy/check: installing the pinned tools (npm ci)"
(cd deploy/check && npm ci --no-audit --no-fund --loglevel=error)

echo "== deploy/check/check.mjs"
set +e
node deploy/check/check.mjs
result $? "compose file, Kubernetes manifests and TestRun (deploy/check/check.mjs)"
set -e

echo "== nginx -t"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
nginx_test() {  # folder [user]
    local dir=$1 user=${2:-}
    local run=()
    [ -n "$user" ] && run=(setpriv --reuid="$user" --regid=nogroup --clear-groups --)
    "${run[@]}" /usr/bin/python3 tests/deploy/nginx_for_loopback.py --prefix "$dir" \
        --listen 127.0.0.1:8991 --upstream 127.0.0.1:8992 --upstream 127.0.0.1:8993 >"$dir/nginx.conf" &&
        "${run[@]}" nginx -t -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"
}
set +e
mkdir -p "$scratch/as-self"
nginx_test "$scratch/as-self"
result $? "nginx -t accepts deploy/nginx/nginx.conf (upstreams on loopback)"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    mkdir -p "$scratch/as-nobody" && chown nobody "$scratch/as-nobody" && chmod 0755 "$scratch"
    nginx_test "$scratch/as-nobody" nobody
    result $? "nginx -t accepts it as an unprivileged user (pid, logs and temp files under -p)"
fi
set -e

echo "== kubectl kustomize deploy/k8s"
if command -v kubectl >/dev/null; then
    set +e
    kubectl kustomize deploy/k8s >"$scratch/rendered.yaml"
    status=$?
    set -e
    [ $status -eq 0 ] && echo "rendered $(grep -c '^kind:' "$scratch/rendered.yaml") objects"
    result $status "kubectl kustomize renders deploy/k8s"
else
    echo "kubectl is not installed: skipped (check.mjs has checked kustomization.yaml's resources)"
fi

echo "== promtool check config deploy/prometheus/prometheus.yml"
if command -v promtool >/dev/null; then
    set +e
    promtool check config deploy/prometheus/prometheus.yml
    result $? "promtool accepts deploy/prometheus/prometheus.yml and its rule file"
    set -e
else
    echo "promtool is not installed: skipped (scripts/install-dependencies.sh monitoring installs it)"
fi

echo "check-deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
