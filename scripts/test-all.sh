#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine, as root: system packages, npm packages, the test
# bed, then `npm test` (type-check, lint, build, unit and integration tests). The bed is taken
# down afterwards unless KEEP_TESTBED=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ "$(id -u)" = 0 ] || { echo "test-all: run as root (the test bed creates network namespaces)" >&2; exit 1; }
command -v node >/dev/null || { echo "test-all: Node.js 20 or later is required" >&2; exit 1; }

bash scripts/edgeshark-testbed.sh deps
# The Node-RED editor tests drive Debian's Chromium (never a downloaded browser).
if ! command -v chromium >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
npm ci --no-audit --no-fund
bash scripts/edgeshark-testbed.sh up
if [ "${KEEP_TESTBED:-0}" != 1 ]; then
  trap 'bash scripts/edgeshark-testbed.sh down' EXIT
fi
npm test
