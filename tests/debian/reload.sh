# shellcheck shell=bash
# Sourced by tests/debian/package_test.sh: the unit's ExecReload= commands, run in the host's
# namespace as its user, and what shows that the host reloaded or did not. Uses
# package_test.sh's variables (work, run, config, host_pid, main_pid, exec_reload,
# notify_socket) and service.sh's (service_user, in_service, notified).
# shellcheck disable=SC2154  # assigned in package_test.sh

check_command() {  # config: ExecReload's check with --config pointed at another file
    local word out=()
    read -r -a words <<<"${exec_reload[0]}"
    for word in "${words[@]}"; do out+=("${word/#$config/$1}"); done
    in_service "${service_user[@]}" "${out[@]}"
}

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
no_reload() { [ "$(sighups)" = 0 ] && not notified RELOADING=1; }
ready_after_reloading() { sed -n "/^$main_pid RELOADING=1\$/,\$p" "$run/notify.log" | grep -q "^$main_pid READY=1\$"; }
