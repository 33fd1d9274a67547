#!/usr/bin/env bash
# The install step of the README's commands, safe to run any number of times: Debian packages the
# test bed and the editor tests need, then the npm packages from the lock file.
#
# `npm run X` puts node_modules/.bin first on PATH, and node-red (a dev dependency) brings its own
# npm 10 there. An `npm ci` that found that one would read the lock file as npm 10 does and fail
# ("Missing: … from lock file"), so the second run of any README command would break. Every
# node_modules/.bin is taken off PATH here: the npm that runs is the user's own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin/*$' | paste -sd: -)
export PATH

bash scripts/edgeshark-testbed.sh deps
# The Node-RED editor tests drive Debian's Chromium (never a downloaded browser).
if ! command -v chromium >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
echo "install: npm $(npm --version) ci" >&2
npm ci --no-audit --no-fund
