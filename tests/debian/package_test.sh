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
cleanup() {
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

owner_mode() { stat -c '%U:%G %a' "$1"; }
check "/usr/bin/plugin-host, root:root 0755" [ "$(owner_mode /usr/bin/plugin-host)" = "root:root 755" ]
for plugin in first second third; do
    check "$plugins/$plugin.so, root:root 0644" [ "$(owner_mode "$plugins/$plugin.so")" = "root:root 644" ]
done
folders_trusted() {  # every folder from the plugin folder up: root's, written by nobody else
    local folder=$plugins
    while :; do
        [ "$(stat -c '%u' "$folder")" = 0 ] || { echo "    $folder is not root's"; return 1; }
        [ $((0$(stat -c '%a' "$folder") & 022)) -eq 0 ] || [ $((0$(stat -c '%a' "$folder") & 01000)) -ne 0 ] ||
            { echo "    $folder is writable by group or others"; return 1; }
        [ "$folder" = / ] && return 0
        folder=$(dirname "$folder")
    done
}
check "$plugins and every folder above it: root's, writable by nobody else" folders_trusted
check "$config, root:root 0644" [ "$(owner_mode "$config")" = "root:root 644" ]
check "$config is a conffile of plugin-host" \
    grep -q "^ $config [0-9a-f]\{32\}\$" <(dpkg-query -W -f='${Conffiles}\n' plugin-host)
same_but_libraries() {  # config/server.ini with only the library paths moved
    diff <(sed -E 's#^(library = ).*/([^/]+\.so)$#\1\2#' "$repo/config/server.ini") \
         <(sed -E "s#^(library = )$plugins/([^/]+\\.so)\$#\\1\\2#" "$config")
}
check "$config is config/server.ini with each library in $plugins" same_but_libraries
libraries_exist() {
    local library
    for library in $(sed -n 's/^library = //p' "$config"); do [ -f "$library" ] || return 1; done
}
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

verify_unit() {  # it also prints, and passes, settings it ignores: nothing may be printed
    systemd-analyze verify "$unit" >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; return 1; }
    [ ! -s "$work/verify.log" ] || { cat "$work/verify.log"; return 1; }
}
check "systemd-analyze verify: the unit passes, with nothing to say" verify_unit

unit_value() { sed -n "s/^$1=//p" "$unit"; }
ini_value() { sed -n "/^\[$1\]/,/^\[/s/^$2 = //p" "$config"; }
max_connections=$(ini_value server max_connections)
drain_ms=$(ini_value server drain_timeout_ms)
check "the unit runs as User=plugin-host, Type=notify" \
    [ "$(unit_value User) $(unit_value Type)" = "plugin-host notify" ]
check "LimitNOFILE=$(unit_value LimitNOFILE) fits max_connections $max_connections + 64 of the host's own" \
    [ "$(unit_value LimitNOFILE)" -ge $((max_connections + 64)) ]
check "TasksMax=$(unit_value TasksMax) fits max_connections $max_connections + 16 threads of the host's own" \
    [ "$(unit_value TasksMax)" -ge $((max_connections + 16)) ]
stop_timeout=$(unit_value TimeoutStopSec | sed 's/s$//')
check "TimeoutStopSec=${stop_timeout}s is above drain_timeout_ms $drain_ms" [ $((stop_timeout * 1000)) -gt "$drain_ms" ]

say "plugin-host-dev: building examples/out-of-tree-plugin against /usr alone"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
sdk_builds() {
    cmake -S "$repo/examples/out-of-tree-plugin" -B "$work/sdk" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        >"$work/sdk.log" 2>&1 && cmake --build "$work/sdk" >>"$work/sdk.log" 2>&1 || { cat "$work/sdk.log"; return 1; }
    grep -q '^PluginHost_DIR:PATH=/usr/lib/cmake/PluginHost$' "$work/sdk/CMakeCache.txt" && [ -f "$work/sdk/greeting.so" ]
}
check "find_package(PluginHost 2) finds /usr/lib/cmake/PluginHost; the plugin builds" sdk_builds

# ---- 3. The service's command, as the unit would run it ----

exec_start=$(unit_value ExecStart)
mapfile -t exec_reload < <(unit_value ExecReload)
check "the unit has an ExecStart=" [ -n "$exec_start" ]
check_then_sighup() {
    [ "${#exec_reload[@]}" = 2 ] && [[ ${exec_reload[0]} == *--check-config* ]] && [[ ${exec_reload[1]} == *-HUP\ \$MAINPID ]]
}
check "and two ExecReload=: the check, then SIGHUP to \$MAINPID" check_then_sighup
case "$exec_start ${exec_reload[*]}" in *[\'\"\\]*) die "the unit's commands quote: this test splits them on spaces only";; esac

# systemd's notify socket: each datagram's assignments (READY=1, STATUS=...), one a line,
# after the sender's process id, which the kernel vouches for (SO_PASSCRED) as it does to
# systemd. Every process of the service gets NOTIFY_SOCKET; systemd heeds the main one only.
notify_socket=$run/notify
python3 - "$notify_socket" >"$run/notify.log" <<'EOF' &
import os, socket, struct, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
sock.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
print("listening", flush=True)
while True:
    data, ancillary, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = next(struct.unpack("i", cred[:4])[0] for level, kind, cred in ancillary
               if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS)
    for assignment in data.decode().split("\n"):
        if assignment:
            print(pid, assignment, flush=True)
EOF
notify_pid=$!

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
notified() { grep -q "^$main_pid $1\$" "$run/notify.log"; }
wait_for 10 "the notify socket" grep -q '^listening$' "$run/notify.log" || die "the notify socket did not open"

port=$(ini_value server port)
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then die "port $port answers already: stop what listens there"; fi

# The unit's sandbox as far as the host's writes go: ProtectSystem=strict makes every mount
# read-only but /dev, /proc and /sys; PrivateTmp gives an empty /tmp of its own.
sandbox='set -e
awk '\''{print $5}'\'' /proc/self/mountinfo | grep -v -E "^/(proc|sys|dev)(/|\$)" | sort -u |
    while read -r mount_point; do mount -o remount,bind,ro "$mount_point"; done
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
cd /
exec "$@"'
# The unit's User and Group, NoNewPrivileges, empty CapabilityBoundingSet, and the
# environment systemd gives a service.
service_user=(setpriv --reuid=plugin-host --regid=plugin-host --init-groups --no-new-privs --bounding-set=-all --
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
    USER=plugin-host LOGNAME=plugin-host HOME=/nonexistent SHELL=/usr/sbin/nologin)
read -r -a start_command <<<"$exec_start"
say "ExecStart, as plugin-host: $exec_start"
unshare --mount --propagation private -- /bin/sh -c "$sandbox" sandbox \
    prlimit --nofile="$(unit_value LimitNOFILE)" -- "${service_user[@]}" NOTIFY_SOCKET="$notify_socket" \
    "${start_command[@]}" </dev/null >"$work/host.log" 2>&1 &
host_pid=$!
main_pid=$host_pid  # for the notify log, after the process is gone
# The same process from unshare to plugin-host (each execs the next): $host_pid is MAINPID.
in_service() { nsenter --mount --target "$host_pid" -- "$@"; }

check "READY=1 reaches the notify socket" wait_for 30 "READY=1" notified READY=1
healthz() { curl -s -o "$work/healthz.json" -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true; }
healthy() { [ "$(healthz)" = 200 ]; }
healthy_when_ready() { notified READY=1 && healthy; }
check "once READY=1 is sent, /healthz answers 200 at the first try" healthy_when_ready
# Without READY=1 the rest still needs a host that answers.
wait_for 30 "/healthz to answer 200" healthy || die "the host does not answer /healthz"
check "the host runs as plugin-host" [ "$(ps -o user= -p "$host_pid")" = plugin-host ]
sandboxed() { in_service findmnt -n -o OPTIONS / | grep -q '^ro,' && [ "$(in_service findmnt -n -o FSTYPE /tmp)" = tmpfs ]; }
check "in a read-only / with a /tmp of its own" sandboxed
private_copies() {  # /proc/PID/maps names the files the host maps as the host sees them
    local folder
    folder=$(grep -o ' /tmp/plugin-host-[^/]*/first\.' "/proc/$host_pid/maps" | head -n 1 | sed 's#^ ##; s#/first\.$##')
    [ -n "$folder" ] || { echo "    no copy of first.so under /tmp in /proc/$host_pid/maps"; return 1; }
    in_service test -d "$folder" || { echo "    $folder is not in the host's /tmp"; return 1; }
    [ ! -e "$folder" ] || { echo "    $folder is in the machine's /tmp"; return 1; }
}
check "its private plugin copies are in its own /tmp, not the machine's" private_copies
seed_requests() {  # the seed's three requests, in parallel: each 200 with its result
    local name pids=()
    for name in first second third; do
        curl -s -o "$work/$name.json" -w '%{http_code}' -X POST "http://127.0.0.1:$port/$name" \
            -H 'Content-Type: application/json' -d "{\"info\": {\"sequence\": \"$name\"}}" >"$work/$name.status" &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    for name in first second third; do
        [ "$(cat "$work/$name.status")" = 200 ] &&
            grep -qx "{\"result\":\"${name}_first,${name}_second Executed\"}" "$work/$name.json" ||
            { echo "    /$name: $(cat "$work/$name.status") $(cat "$work/$name.json")"; return 1; }
    done
}
check "the seed's three requests answer 200 with their results" seed_requests

# ---- 4. ExecReload ----

check_command() {  # config: ExecReload's check with --config pointed at another file
    local word out=()
    read -r -a words <<<"${exec_reload[0]}"
    for word in "${words[@]}"; do out+=("${word/#$config/$1}"); done
    in_service "${service_user[@]}" "${out[@]}"
}
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

reload() {  # ExecReload's commands in order, as systemd runs them, until one fails
    local line words
    for line in "${exec_reload[@]}"; do
        read -r -a words <<<"${line//\$MAINPID/$host_pid}"
        in_service "${service_user[@]}" NOTIFY_SOCKET="$notify_socket" "${words[@]}" \
            >>"$work/reload.out" 2>>"$work/reload.err" || return $?
    done
}
sighups() { grep -c 'SIGHUP received' "$work/host.log" || true; }
reloaded() { [ "$(sighups)" = 1 ]; }

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
no_reload() { [ "$(sighups)" = 0 ] && not notified RELOADING=1; }
check "no SIGHUP reached the host: it logged no reload, told systemd of none" no_reload

say "systemctl reload with the installed $config"
: >"$work/reload.err"
reload_status=0
reload || reload_status=$?
check "the reload succeeds" [ $reload_status = 0 ]
check "the host takes SIGHUP and reloads" wait_for 10 "SIGHUP received" reloaded
ready_after_reloading() { sed -n "/^$main_pid RELOADING=1\$/,\$p" "$run/notify.log" | grep -q "^$main_pid READY=1\$"; }
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
from_main_only() { ! grep -v -e '^listening$' -e "^$main_pid " "$run/notify.log"; }
check "every notification came from the main process (NotifyAccess=main)" from_main_only

# ---- 6. Purge ----

say "dpkg --purge"
dpkg --purge plugin-host-dev plugin-host >"$work/dpkg-purge.log" 2>&1 || { cat "$work/dpkg-purge.log"; die "dpkg --purge failed"; }
installed=no
left_behind() {
    local path left=0
    while read -r path; do
        if [ -e "$path" ] && ! grep -qxF "$path" "$work/existed-before.txt"; then echo "    left: $path"; left=1; fi
    done <"$work/paths.txt"
    for path in /etc/plugin-host /etc/systemd/system/multi-user.target.wants/plugin-host.service \
                /var/lib/systemd/deb-systemd-helper-enabled/plugin-host.service.dsh-also \
                /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/plugin-host.service; do
        if [ -e "$path" ] || [ -L "$path" ]; then echo "    left: $path"; left=1; fi
    done
    return $left
}
check "no file of the packages, no /etc/plugin-host, no enablement state" left_behind
check "no user plugin-host" not getent passwd plugin-host
check "no group plugin-host" not getent group plugin-host
check "dpkg knows neither package" not dpkg-query -W plugin-host plugin-host-dev 2>/dev/null

say "$passed passed, $failed failed, in $((SECONDS - started)) s"
[ $failed -eq 0 ]
