# shellcheck shell=bash
# Sourced by tests/debian/package_test.sh: what it checks of the installed packages (files,
# owners and modes, the configuration, the unit, the SDK) and of the purged ones, and how it
# reads the installed unit and configuration. Uses package_test.sh's variables (repo, work,
# unit, config, plugins, generator).
# shellcheck disable=SC2154  # assigned in package_test.sh

unit_value() { sed -n "s/^$1=//p" "$unit"; }
ini_value() { sed -n "/^\[$1\]/,/^\[/s/^$2 = //p" "$config"; }

owner_mode() { stat -c '%U:%G %a' "$1"; }
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
same_but_libraries() {  # config/server.ini with only the library paths moved
    diff <(sed -E 's#^(library = ).*/([^/]+\.so)$#\1\2#' "$repo/config/server.ini") \
         <(sed -E "s#^(library = )$plugins/([^/]+\\.so)\$#\\1\\2#" "$config")
}
libraries_exist() {
    local library
    for library in $(sed -n 's/^library = //p' "$config"); do [ -f "$library" ] || return 1; done
}

verify_unit() {  # it also prints, and passes, settings it ignores: nothing may be printed
    systemd-analyze verify "$unit" >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; return 1; }
    [ ! -s "$work/verify.log" ] || { cat "$work/verify.log"; return 1; }
}

sdk_builds() {  # examples/out-of-tree-plugin, configured and built against /usr alone
    cmake -S "$repo/examples/out-of-tree-plugin" -B "$work/sdk" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        >"$work/sdk.log" 2>&1 && cmake --build "$work/sdk" >>"$work/sdk.log" 2>&1 || { cat "$work/sdk.log"; return 1; }
    grep -q '^PluginHost_DIR:PATH=/usr/lib/cmake/PluginHost$' "$work/sdk/CMakeCache.txt" && [ -f "$work/sdk/greeting.so" ]
}

left_behind() {  # after the purge: every path the packages named that was not there before
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
