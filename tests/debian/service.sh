# shellcheck shell=bash
# Sourced by tests/debian/package_test.sh: running the unit's command as systemd would (the
# notify socket, the sandbox, the service user) and what it checks of the running host.
# Uses package_test.sh's variables (work, run, port, host_pid, main_pid, exec_reload).
# shellcheck disable=SC2154  # assigned in package_test.sh

# systemd's notify socket: each datagram's assignments (READY=1, STATUS=...), one a line,
# after the sender's process id, which the kernel vouches for (SO_PASSCRED) as it does to
# systemd. Every process of the service gets NOTIFY_SOCKET; systemd heeds the main one only.
notify_listener() {  # socket: run in the background, its output to the notify log
    exec python3 - "$1" <<'PYTHON'
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
PYTHON
}
notified() { grep -q "^$main_pid $1\$" "$run/notify.log"; }
from_main_only() { ! grep -v -e '^listening$' -e "^$main_pid " "$run/notify.log"; }

# The unit's sandbox as far as the host's writes go: ProtectSystem=strict makes every mount
# read-only but /dev, /proc and /sys; PrivateTmp gives an empty /tmp of its own.
# shellcheck disable=SC2034  # used in package_test.sh
sandbox='set -e
awk '\''{print $5}'\'' /proc/self/mountinfo | grep -v -E "^/(proc|sys|dev)(/|\$)" | sort -u |
    while read -r mount_point; do mount -o remount,bind,ro "$mount_point"; done
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
cd /
exec "$@"'
# The unit's User and Group, NoNewPrivileges, empty CapabilityBoundingSet, and the
# environment systemd gives a service.
# shellcheck disable=SC2034  # used in package_test.sh and reload.sh
service_user=(setpriv --reuid=plugin-host --regid=plugin-host --init-groups --no-new-privs --bounding-set=-all --
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
    USER=plugin-host LOGNAME=plugin-host HOME=/nonexistent SHELL=/usr/sbin/nologin)
# The same process from unshare to plugin-host (each execs the next): $host_pid is MAINPID.
in_service() { nsenter --mount --target "$host_pid" -- "$@"; }

check_then_sighup() {
    [ "${#exec_reload[@]}" = 2 ] && [[ ${exec_reload[0]} == *--check-config* ]] && [[ ${exec_reload[1]} == *-HUP\ \$MAINPID ]]
}

healthz() { curl -s -o "$work/healthz.json" -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true; }
healthy() { [ "$(healthz)" = 200 ]; }
healthy_when_ready() { notified READY=1 && healthy; }
sandboxed() { in_service findmnt -n -o OPTIONS / | grep -q '^ro,' && [ "$(in_service findmnt -n -o FSTYPE /tmp)" = tmpfs ]; }
private_copies() {  # /proc/PID/maps names the files the host maps as the host sees them
    local folder
    folder=$(grep -o ' /tmp/plugin-host-[^/]*/first\.' "/proc/$host_pid/maps" | head -n 1 | sed 's#^ ##; s#/first\.$##')
    [ -n "$folder" ] || { echo "    no copy of first.so under /tmp in /proc/$host_pid/maps"; return 1; }
    in_service test -d "$folder" || { echo "    $folder is not in the host's /tmp"; return 1; }
    [ ! -e "$folder" ] || { echo "    $folder is in the machine's /tmp"; return 1; }
}
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
