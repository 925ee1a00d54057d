#!/usr/bin/env bash
# Type-checks k6/api_performance_test.js against k6's type definitions (@types/k6) with
# TypeScript, without k6: catches a misspelt option, a wrong call or a typo in a response
# field. Versions are pinned in k6/package-lock.json. Needs node and npm
# (scripts/install-dependencies.sh k6check).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npx --no-install tsc -p .
echo "k6 script type check passed"
