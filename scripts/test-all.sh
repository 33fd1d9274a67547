#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine, as root: system packages, npm packages, the test
# bed, then `npm test` (type-check, lint, build, unit and integration tests). The bed is taken
# down afterwards unless KEEP_TESTBED=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ "$(id -u)" = 0 ] || { echo "test-all: run as root (the test bed creates network namespaces)" >&2; exit 1; }
command -v node >/dev/null || { echo "test-all: Node.js 20 or later is required" >&2; exit 1; }

bash scripts/install.sh
if [ "${CI:-}" = true ]; then
  # A README command must work any number of times: in CI the install runs a second time, now with
  # node_modules/.bin (and node-red's npm 10 in it) first on PATH, as every later `npm run` has it.
  echo "test-all: the install step once more, as a second run meets it" >&2
  bash scripts/install.sh
fi
bash scripts/edgeshark-testbed.sh up
if [ "${KEEP_TESTBED:-0}" != 1 ]; then
  trap 'bash scripts/edgeshark-testbed.sh down' EXIT
fi
npm test
