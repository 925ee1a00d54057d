#!/bin/bash
# The container's health check: GET /healthz on the address and port that the server's
# configuration names, healthy when the answer is 200 (the host serves its routes; with
# [plugins] healthz_requires_every_plugin = true, only while every configured plugin is loaded).
#
#   healthcheck.sh [CONFIG]     (default /app/config/server.ini)
#
# It speaks HTTP through bash's /dev/tcp, so the runtime image needs no HTTP client, and it
# reads the port from the configuration, so a bind-mounted server.ini that listens
# elsewhere is still checked where the server really listens.
set -u

config=${1:-/app/config/server.ini}

# Prints the value of `key` in the [server] section of the INI file (the last one wins),
# or nothing when the key is absent. Comment lines start with ';' or '#'.
server_setting() {
    awk -v wanted="$1" '
        /^[[:space:]]*[;#]/ { next }
        /^[[:space:]]*\[/ {
            header = $0
            gsub(/[[:space:]]/, "", header)
            in_server = (header == "[server]")
            next
        }
        in_server && index($0, "=") > 0 {
            key = substr($0, 1, index($0, "=") - 1)
            value = substr($0, index($0, "=") + 1)
            gsub(/^[[:space:]]+|[[:space:]]+$/, "", key)
            gsub(/^[[:space:]]+|[[:space:]]+$/, "", value)
            if (key == wanted) found = value
        }
        END { print found }
    ' "$config"
}

if [ ! -r "$config" ]; then
    echo "healthcheck: cannot read $config"
    exit 1
fi

port=$(server_setting port)
port=${port:-8991}
address=$(server_setting address)
case "$address" in
    "" | 0.0.0.0) address=127.0.0.1 ;;
    "::" | "[::]") address=::1 ;;
esac
if [ "$port" = 0 ]; then
    echo "healthcheck: $config sets port 0 (any free port); there is no fixed port to check"
    exit 1
fi

if ! { exec 3<>"/dev/tcp/$address/$port"; } 2>/dev/null; then
    echo "healthcheck: cannot connect to $address:$port"
    exit 1
fi
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
status_line=""
IFS= read -r -t 3 status_line <&3
response=""
IFS= read -r -d '' -t 2 response <&3
exec 3>&-

status_line=${status_line%$'\r'}
body=${response##*$'\n'}
echo "$status_line $body"
case "$status_line" in
    "HTTP/1."?" 200 "*) exit 0 ;;
    *) exit 1 ;;
esac
