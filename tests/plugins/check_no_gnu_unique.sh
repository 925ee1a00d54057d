#!/usr/bin/env bash
# Fails if any of the given shared objects exports an STB_GNU_UNIQUE symbol. Such a symbol
# makes dlclose() a no-op ("marking ... as NODELETE"), so a replaced plugin would never be
# unloaded and a new version could bind to the old one's data.
set -euo pipefail
status=0
for library in "$@"; do
    unique=$(readelf --dyn-syms --wide "$library" | awk '$5 == "UNIQUE" { print $8 }')
    if [ -n "$unique" ]; then
        echo "$library exports STB_GNU_UNIQUE symbols (build it with -fno-gnu-unique):" >&2
        echo "$unique" | sed 's/^/  /' >&2
        status=1
    fi
done
[ $status -eq 0 ] && echo "no STB_GNU_UNIQUE symbols in $# plugins"
exit $status
