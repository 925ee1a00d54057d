#!/usr/bin/env bash
# The SDK, as a plugin author outside this tree uses it: installs the build into a
# temporary prefix, configures and builds against that prefix alone (find_package(PluginHost
# 2), plugin_host_add_plugin(), nlohmann/json through PluginHost::plugin_api)
#  - examples/out-of-tree-plugin (greeting: a text route, a JSON route, an X-Request-Id filter)
#  - plugins/examples/kv's source, copied into a project of its own: it needs nothing of the
#    host's tree (linked with --no-undefined, so not a symbol of the host's either),
# then runs the installed host with the installed seed plugin and both, greeting's filter
# applied ([filters] apply = greeting), and asks them over HTTP.
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

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# build_against_prefix SOURCE BUILD: configures and builds the project in SOURCE.
build_against_prefix() {
    cmake -S "$1" -B "$2" "${generator[@]}" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
        >"$2.configure.log" 2>&1 || { cat "$2.configure.log" >&2; fail "configuring $1 failed"; }
    cmake --build "$2" >"$2.build.log" 2>&1 || { cat "$2.build.log" >&2; fail "building $1 failed"; }
}

echo "building examples/out-of-tree-plugin against the prefix alone"
build_against_prefix "$source_dir/examples/out-of-tree-plugin" "$work/greeting"
[ -f "$work/greeting/greeting.so" ] || fail "no greeting.so"

echo "building kv's source against the prefix alone"
mkdir "$work/kv-source"
cp "$source_dir/plugins/examples/kv/kv_plugin.cpp" "$work/kv-source/"
cat >"$work/kv-source/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(kv LANGUAGES CXX)
find_package(PluginHost 2 REQUIRED)
plugin_host_add_plugin(kv kv_plugin.cpp)
target_link_options(kv PRIVATE -Wl,--no-undefined)
CMAKE
build_against_prefix "$work/kv-source" "$work/kv"
[ -f "$work/kv/kv.so" ] || fail "no kv.so"

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
[plugin.kv]
library = $work/kv/kv.so
[filters]
apply = greeting
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

# ask METHOD PATH [curl options]: sets $status, $body and $request_id (greeting's filter's
# X-Request-Id, or empty).
ask() {
    local method=$1 path=$2
    shift 2
    status=$(curl -s --max-time 10 -X "$method" -D "$work/headers" -o "$work/body" -w '%{http_code}' "$@" \
        "http://127.0.0.1:$port$path") || fail "$method $path: curl failed"
    body=$(cat "$work/body")
    request_id=$(sed -n 's/^X-Request-Id: \(.*\)\r$/\1/Ip' "$work/headers")
}
expect() {  # expect WHAT ACTUAL EXPECTED
    [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

ask GET /greet/out%20of%20tree
expect "GET /greet/out%20of%20tree" "$status $body" "200 Hi, out of tree!"
[[ "$request_id" =~ ^greeting-[0-9]+$ ]] || fail "GET /greet: no X-Request-Id from greeting's filter (got '$request_id')"

ask POST /greet -H 'Content-Type: application/json' -H 'X-Request-Id: client-7' -d '{"name":"Ada"}'
expect "POST /greet (JSON)" "$status $body" '200 {"greeting":"Hi, Ada!","name":"Ada"}'
expect "POST /greet's X-Request-Id, the client's own" "$request_id" client-7
ask POST /greet -H 'Content-Type: application/json' -d '{"name":7}'
expect "POST /greet without a string name" "$status $body" '400 {"error":"expected a JSON object with a string \"name\""}'
ask GET /greet/a/b  # no such route: the host's 404 passes the filter too
[ "$status" = 404 ] && [[ "$request_id" =~ ^greeting-[0-9]+$ ]] || fail "GET /greet/a/b: $status, X-Request-Id '$request_id'"

ask PUT /kv/sdk -H 'Content-Type: text/plain' -d 'built elsewhere'
expect "PUT /kv/sdk" "$status $body" '201 {"key":"sdk"}'
ask GET /kv/sdk
expect "GET /kv/sdk" "$status $body" "200 built elsewhere"
expect "GET /kv/sdk's X-Request-Id (greeting's filter is for its own paths)" "$request_id" ""

ask POST /first -H 'Content-Type: application/json' -d '{"info":{"sequence":"first"}}'
expect "POST /first" "$status $body" '200 {"result":"first_first,first_second Executed"}'
kill -TERM "$host_pid"
wait "$host_pid" || fail "the host did not exit 0"
host_pid=
grep -q "greeting out of tree" "$work/host.log" || fail "the plugin's log line is missing"
echo "out_of_tree_test: the plugin built against the installed SDK answered over HTTP, through its filter, and kv with it"
