#!/usr/bin/env bash
# The SDK, as a plugin author outside this tree uses it: installs the build into a
# temporary prefix, configures and builds examples/out-of-tree-plugin from a folder of its
# own against that prefix alone (find_package(PluginHost 2), plugin_host_add_plugin()),
# then runs the installed host with the installed seed plugins and the new one, and asks
# both over HTTP.
#
#   tests/sdk/out_of_tree_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
work=$(mktemp -d)
host_pid=
cleanup() {
    [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "out_of_tree_test: $*" >&2; [ -f "$work/host.log" ] && cat "$work/host.log" >&2; exit 1; }

prefix=$work/prefix
echo "installing into $prefix"
cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log" >&2; fail "install failed"; }
for file in bin/plugin-host include/plugin_api/endpoint_plugin.hpp lib/cmake/PluginHost/PluginHostConfig.cmake \
            lib/cmake/PluginHost/PluginHostConfigVersion.cmake lib/plugin-host/plugins/first.so; do
    [ -e "$prefix/$file" ] || fail "the install has no $file"
done

echo "building examples/out-of-tree-plugin against the prefix alone"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$source_dir/examples/out-of-tree-plugin" -B "$work/greeting" "${generator[@]}" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" ||
    { cat "$work/configure.log" >&2; fail "configure failed"; }
cmake --build "$work/greeting" >"$work/build.log" || { cat "$work/build.log" >&2; fail "build failed"; }
[ -f "$work/greeting/greeting.so" ] || fail "no greeting.so"

cat >"$work/server.ini" <<INI
[server]
address = 127.0.0.1
port = 0
max_connections = 16
[repository]
delay_ms = 0
[plugin.first]
library = $prefix/lib/plugin-host/plugins/first.so
[plugin.greeting]
library = $work/greeting/greeting.so
greeting = Hi
INI
"$prefix/bin/plugin-host" --config "$work/server.ini" >"$work/host.log" 2>&1 &
host_pid=$!
port=
for _ in $(seq 1 200); do
    port=$(sed -n 's/.*Listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/host.log")
    [ -n "$port" ] && break
    kill -0 "$host_pid" 2>/dev/null || fail "the installed host exited"
    sleep 0.05
done
[ -n "$port" ] || fail "the installed host did not start listening"

answer=$(curl -s --max-time 10 "http://127.0.0.1:$port/greet/out%20of%20tree")
[ "$answer" = "Hi, out of tree!" ] || fail "GET /greet answered: $answer"
seed=$(curl -s --max-time 10 -X POST -H 'Content-Type: application/json' -d '{"info":{"sequence":"first"}}' \
    "http://127.0.0.1:$port/first")
[ "$seed" = '{"result":"first_first,first_second Executed"}' ] || fail "POST /first answered: $seed"
kill -TERM "$host_pid"
wait "$host_pid" || fail "the host did not exit 0"
host_pid=
grep -q "greeting out of tree" "$work/host.log" || fail "the plugin's log line is missing"
echo "out_of_tree_test: the plugin built against the installed SDK answered over HTTP"
