#!/usr/bin/env bash
# The Debian packages, end to end on this machine (docs/debian.md):
#
#   tests/debian/package_test.sh BUILD_DIR        (as root, on Debian bookworm)
#
#   1. cpack -G DEB from BUILD_DIR (already built) into a scratch folder; lintian on both
#      packages: no error, no warning.
#   2. dpkg -i; the files, their owners and modes (the plugin folders as the host's trust
#      rules want them), the conffile, the system user, the unit (systemd-analyze verify, its
#      limits against server.ini), and plugin-host-dev's CMake package found under /usr.
#   3. The unit's ExecStart, read from the installed unit, run as its User with its
#      LimitNOFILE, NoNewPrivileges, an empty capability set, and (in a mount namespace) a
#      read-only file system with a private /tmp, as ProtectSystem=strict and PrivateTmp=
#      give it; a datagram socket of the test stands for systemd's NOTIFY_SOCKET.
#      READY=1, then /healthz answers; the seed's three requests answer 200.
#   4. ExecReload's check on a good and a broken copy of the configuration (exit 0 / 78
#      naming file:line). ExecReload's commands in order, as systemd runs them: with a broken
#      installed file the check fails with its message, no SIGHUP is sent and the host keeps
#      serving; with the file restored the host reloads (RELOADING=1, READY=1).
#   5. SIGTERM (the unit's KillSignal): exit 0 within TimeoutStopSec, STOPPING=1.
#   6. dpkg --purge: no file of either package, no /etc/plugin-host, no user or group, no
#      enablement state left.
# This machine has no systemd as PID 1, so the unit itself is not started. Traffic goes to
# 127.0.0.1 only (the installed configuration listens on port 8991, which must be free).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build_dir=$(cd "$1" && pwd)

# shellcheck source=tests/debian/lib.sh
source "$repo/tests/debian/lib.sh"
# shellcheck source=tests/debian/install_checks.sh
source "$repo/tests/debian/install_checks.sh"
# shellcheck source=tests/debian/service.sh
source "$repo/tests/debian/service.sh"
# shellcheck source=tests/debian/reload.sh
source "$repo/tests/debian/reload.sh"

started=$SECONDS
[ "$(id -u)" -eq 0 ] || die "needs root (dpkg -i, the service user, a mount namespace)"
for tool in cpack lintian dpkg-deb dpkg-shlibdeps systemd-analyze curl setpriv unshare nsenter prlimit python3 cmake; do
    command -v "$tool" >/dev/null || die "$tool is missing: scripts/install-dependencies.sh debian"
done
[ -x "$build_dir/bin/plugin-host" ] || die "$build_dir/bin/plugin-host is missing: build first"
if dpkg-query -W -f='${Status}' plugin-host plugin-host-dev 2>/dev/null | grep -q 'installed'; then
    die "plugin-host is installed on this machine already; this test installs and purges it"
fi
getent passwd plugin-host >/dev/null && die "a user plugin-host exists already; this test makes and removes it"

unit=/lib/systemd/system/plugin-host.service
config=/etc/plugin-host/server.ini
plugins=/usr/lib/plugin-host/plugins
work=$(mktemp -d /tmp/plugin-host-deb.XXXXXX)
# Outside /tmp, which the host's namespace replaces: the notify socket and the copies of the
# configuration that commands inside that namespace read.
run=$(mktemp -d /run/plugin-host-deb.XXXXXX)
chmod 0755 "$work" "$run"
host_pid=""
notify_pid=""
installed=no
trap cleanup EXIT

# ---- 1. Build the packages; lintian ----

say "cpack -G DEB in $build_dir"
(cd "$build_dir" && cpack -G DEB -B "$work/packages") >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log"; die "cpack failed"; }
server_deb=$(ls "$work"/packages/plugin-host_*.deb)
dev_deb=$(ls "$work"/packages/plugin-host-dev_*.deb)
say "built $(basename "$server_deb") and $(basename "$dev_deb")"
check "plugin-host Depends (from dpkg-shlibdeps) name Poco and libsystemd0" \
    grep -q 'libpoconet80.*libsystemd0\|libsystemd0.*libpoconet80' <(dpkg-deb -f "$server_deb" Depends)

say "lintian"
# As nobody: lintian unpacks what it checks, and warns when run as root.
setpriv --reuid=nobody --regid=nogroup --clear-groups -- env HOME=/nonexistent \
    lintian --tag-display-limit 0 "$server_deb" "$dev_deb" >"$work/lintian.log" 2>&1 || true
sed 's/^/    /' "$work/lintian.log"
check "lintian reports no error" not grep -q '^E:' "$work/lintian.log"
check "lintian reports no warning" not grep -q '^W:' "$work/lintian.log"

# ---- 2. Install; files, owners, conffile, user, unit ----

# Every folder the packages name that exists before, so the purge check leaves it alone.
dpkg-deb -c "$server_deb" >"$work/contents.txt"
dpkg-deb -c "$dev_deb" >>"$work/contents.txt"
sed -E 's/^[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +\.(\/[^ ]*).*$/\1/; s#/$##' "$work/contents.txt" | grep -v '^$' >"$work/paths.txt"
while read -r path; do [ -e "$path" ] && echo "$path"; done <"$work/paths.txt" >"$work/existed-before.txt"

say "dpkg -i"
installed=yes
dpkg -i "$server_deb" "$dev_deb" >"$work/dpkg-install.log" 2>&1 || { cat "$work/dpkg-install.log"; die "dpkg -i failed"; }

check "/usr/bin/plugin-host, root:root 0755" [ "$(owner_mode /usr/bin/plugin-host)" = "root:root 755" ]
for plugin in first second third; do
    check "$plugins/$plugin.so, root:root 0644" [ "$(owner_mode "$plugins/$plugin.so")" = "root:root 644" ]
done
check "$plugins and every folder above it: root's, writable by nobody else" folders_trusted
check "$config, root:root 0644" [ "$(owner_mode "$config")" = "root:root 644" ]
check "$config is a conffile of plugin-host" \
    grep -q "^ $config [0-9a-f]\{32\}\$" <(dpkg-query -W -f='${Conffiles}\n' plugin-host)
check "$config is config/server.ini with each library in $plugins" same_but_libraries
check "$config's libraries all exist" libraries_exist
check "$unit, root:root 0644" [ "$(owner_mode "$unit")" = "root:root 644" ]
check "the SDK header and CMake package in /usr" \
    test -f /usr/include/plugin_api/endpoint_plugin.hpp -a -f /usr/lib/cmake/PluginHost/PluginHostConfig.cmake
check "docs/debian.md is in /usr/share/doc/plugin-host" test -f /usr/share/doc/plugin-host/docs/debian.md

user_entry=$(getent passwd plugin-host || true)
check "the system user plugin-host exists" [ -n "$user_entry" ]
uid=$(echo "$user_entry" | cut -d: -f3)
check "plugin-host is a system user (uid $uid < 1000)" [ "$uid" -lt 1000 ]
check "without a home or a login shell" [ "$(echo "$user_entry" | cut -d: -f6,7)" = /nonexistent:/usr/sbin/nologin ]
check "its group plugin-host is its primary group" \
    [ "$(getent group plugin-host | cut -d: -f3)" = "$(echo "$user_entry" | cut -d: -f4)" ]
check "plugin-host.service is enabled (multi-user.target.wants)" \
    [ "$(readlink /etc/systemd/system/multi-user.target.wants/plugin-host.service)" = "$unit" ]

check "systemd-analyze verify: the unit passes, with nothing to say" verify_unit

max_connections=$(ini_value server max_connections)
drain_ms=$(ini_value server drain_timeout_ms)
check "the unit runs as User=plugin-host, Type=notify" \
    [ "$(unit_value User) $(unit_value Type)" = "plugin-host notify" ]
check "LimitNOFILE=$(unit_value LimitNOFILE) fits max_connections $max_connections + 64 of the host's own" \
    [ "$(unit_value LimitNOFILE)" -ge $((max_connections + 64)) ]
max_workers=$(ini_value server max_workers)
loop_threads=$(ini_value server loop_threads)
[ "$loop_threads" != 0 ] || loop_threads=$(nproc)
check "TasksMax=$(unit_value TasksMax) fits max_workers $max_workers + $loop_threads loops + 16 threads of the host's own" \
    [ "$(unit_value TasksMax)" -ge $((max_workers + loop_threads + 16)) ]
stop_timeout=$(unit_value TimeoutStopSec | sed 's/s$//')
check "TimeoutStopSec=${stop_timeout}s is above drain_timeout_ms $drain_ms" [ $((stop_timeout * 1000)) -gt "$drain_ms" ]

say "plugin-host-dev: building examples/out-of-tree-plugin against /usr alone"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
check "find_package(PluginHost 2) finds /usr/lib/cmake/PluginHost; the plugin builds" sdk_builds

# ---- 3. The service's command, as the unit would run it ----

exec_start=$(unit_value ExecStart)
mapfile -t exec_reload < <(unit_value ExecReload)
check "the unit has an ExecStart=" [ -n "$exec_start" ]
check "and two ExecReload=: the check, then SIGHUP to \$MAINPID" check_then_sighup
case "$exec_start ${exec_reload[*]}" in *[\'\"\\]*) die "the unit's commands quote: this test splits them on spaces only";; esac

notify_socket=$run/notify
notify_listener "$notify_socket" >"$run/notify.log" &
notify_pid=$!
wait_for 10 "the notify socket" grep -q '^listening$' "$run/notify.log" || die "the notify socket did not open"

port=$(ini_value server port)
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then die "port $port answers already: stop what listens there"; fi

read -r -a start_command <<<"$exec_start"
say "ExecStart, as plugin-host: $exec_start"
unshare --mount --propagation private -- /bin/sh -c "$sandbox" sandbox \
    prlimit --nofile="$(unit_value LimitNOFILE)" -- "${service_user[@]}" NOTIFY_SOCKET="$notify_socket" \
    "${start_command[@]}" </dev/null >"$work/host.log" 2>&1 &
host_pid=$!
main_pid=$host_pid  # for the notify log, after the process is gone

check "READY=1 reaches the notify socket" wait_for 30 "READY=1" notified READY=1
check "once READY=1 is sent, /healthz answers 200 at the first try" healthy_when_ready
# Without READY=1 the rest still needs a host that answers.
wait_for 30 "/healthz to answer 200" healthy || die "the host does not answer /healthz"
check "the host runs as plugin-host" [ "$(ps -o user= -p "$host_pid")" = plugin-host ]
check "in a read-only / with a /tmp of its own" sandboxed
check "its private plugin copies are in its own /tmp, not the machine's" private_copies
check "the seed's three requests answer 200 with their results" seed_requests

# ---- 4. ExecReload ----

cp "$config" "$run/good.ini"
sed 's/^port = .*/port = eighty/' "$config" >"$run/broken.ini"
broken_line=$(grep -n '^port = eighty$' "$run/broken.ini" | cut -d: -f1)
chmod 0644 "$run/good.ini" "$run/broken.ini"
good_status=0
check_command "$run/good.ini" >"$work/check-good.out" 2>"$work/check-good.err" || good_status=$?
broken_status=0
check_command "$run/broken.ini" >"$work/check-broken.out" 2>"$work/check-broken.err" || broken_status=$?
sed 's/^/    /' "$work/check-good.out" "$work/check-good.err" "$work/check-broken.err"
check "the check on a good copy: exit 0" [ $good_status = 0 ]
check "and it says configuration OK, 3 plugins" grep -q '^configuration OK: .*\b3 plugins' "$work/check-good.out"
check "the check on a broken copy: exit 78" [ $broken_status = 78 ]
check "naming $run/broken.ini:$broken_line: [server] port" \
    grep -q "^plugin-host: $run/broken.ini:$broken_line: \[server\] port: " "$work/check-broken.err"

say "systemctl reload with a broken $config"
cp -p "$config" "$run/installed.ini"
cp "$run/broken.ini" "$config"
: >"$work/reload.err"
reload_status=0
reload || reload_status=$?
cp -p "$run/installed.ini" "$config"
sed 's/^/    /' "$work/reload.err"
check "the reload fails with the checker's status, 78" [ $reload_status = 78 ]
check "and its message naming $config:$broken_line" \
    grep -q "^plugin-host: $config:$broken_line: \[server\] port: " "$work/reload.err"
check "the host goes on serving: /healthz answers 200" healthy
check "and the seed's three requests 200" seed_requests
# Checked once the requests' 2 s have passed, time enough for a SIGHUP to show in the log.
check "no SIGHUP reached the host: it logged no reload, told systemd of none" no_reload

say "systemctl reload with the installed $config"
: >"$work/reload.err"
reload_status=0
reload || reload_status=$?
check "the reload succeeds" [ $reload_status = 0 ]
check "the host takes SIGHUP and reloads" wait_for 10 "SIGHUP received" reloaded
check "RELOADING=1, then READY=1 again" wait_for 10 "RELOADING=1 and READY=1" ready_after_reloading
check "the seed's requests still answer 200" seed_requests

# ---- 5. Stop ----

kill_signal=$(unit_value KillSignal)
say "stop: $kill_signal, the unit's KillSignal"
kill -s "${kill_signal#SIG}" "$host_pid"
stop_started=$SECONDS
check "the host exits within TimeoutStopSec" wait_for "$stop_timeout" "the host to exit" not host_running
host_status=0
wait "$host_pid" || host_status=$?
host_pid=""
check "it exits 0 after $((SECONDS - stop_started)) s" [ $host_status = 0 ]
check "STOPPING=1 reached the notify socket" notified STOPPING=1
check "every notification came from the main process (NotifyAccess=main)" from_main_only

# ---- 6. Purge ----

say "dpkg --purge"
dpkg --purge plugin-host-dev plugin-host >"$work/dpkg-purge.log" 2>&1 || { cat "$work/dpkg-purge.log"; die "dpkg --purge failed"; }
installed=no
check "no file of the packages, no /etc/plugin-host, no enablement state" left_behind
check "no user plugin-host" not getent passwd plugin-host
check "no group plugin-host" not getent group plugin-host
check "dpkg knows neither package" not dpkg-query -W plugin-host plugin-host-dev 2>/dev/null

say "$passed passed, $failed failed, in $((SECONDS - started)) s"
[ $failed -eq 0 ]
