#!/usr/bin/env bash
# The main job, on a fresh Debian machine, as root: bring the test bed up, start Node-RED with this
# pack installed and an example flow deployed that captures from this machine (no Edgeshark
# needed), keep traffic flowing between the bed's namespaces, and print the editor's URL. Runs until
# Ctrl-C, then stops Node-RED and the traffic by their PIDs. Run again, it keeps the flows the user
# changed and deployed.
#   CSHARG_QUICKSTART_FLOW   example flow to deploy (default: packets-per-second)
#   CSHARG_QUICKSTART_PORT   editor port on 127.0.0.1 (default: 1880)
#   CSHARG_QUICKSTART_DIR    Node-RED user directory (default: ~/.local/share/csharg-quickstart)
#   CSHARG_QUICKSTART_FRESH=1  deploy the example even over changed flows (a dated copy is kept)
#   CSHARG_QUICKSTART_CHECK=1  start, verify the editor answers with the flow deployed, then stop
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ "$(id -u)" = 0 ] || { echo "quickstart: run as root (the test bed creates network namespaces)" >&2; exit 1; }
# The user's own npm, not node-red's npm 10 that `npm run` puts first on PATH (see scripts/install.sh).
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin/*$' | paste -sd: -)
flow=examples/flows/${CSHARG_QUICKSTART_FLOW:-packets-per-second}.json
port=${CSHARG_QUICKSTART_PORT:-1880}
[ -f "$flow" ] || { echo "quickstart: no example flow $flow (see examples/flows/)" >&2; exit 1; }

[ -d node_modules ] || bash scripts/install.sh
npm run --silent build
bash scripts/edgeshark-testbed.sh up

# A Node-RED user directory of its own, with this pack installed from `npm pack` as users get it.
user_dir=${CSHARG_QUICKSTART_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/csharg-quickstart}
mkdir -p "$user_dir"
tarball=$(npm pack --silent --pack-destination "$user_dir" | tail -n 1)
[ -f "$user_dir/package.json" ] || echo '{"name":"csharg-quickstart","private":true,"version":"0.0.0"}' >"$user_dir/package.json"
(cd "$user_dir" && npm install --silent --no-audit --no-fund --prefer-offline "./$tarball" >/dev/null)
# The example is deployed only where it replaces nothing of the user's: a missing flows.json, or one
# that is still exactly a shipped example. A flow the user changed and deployed is kept as it is.
deploy_example=1
if [ -f "$user_dir/flows.json" ] && [ "${CSHARG_QUICKSTART_FRESH:-0}" != 1 ]; then
  deploy_example=0
  for example in examples/flows/*.json; do
    cmp -s "$example" "$user_dir/flows.json" && deploy_example=1
  done
fi
if [ "$deploy_example" = 1 ]; then
  [ -f "$user_dir/flows.json" ] && cp "$user_dir/flows.json" "$user_dir/flows.json.$(date +%Y%m%d-%H%M%S)"
  cp "$flow" "$user_dir/flows.json"
  flow_note="the example flow \"$(basename "$flow" .json)\" deployed"
else
  flow_note="your own flows (kept from the last run; CSHARG_QUICKSTART_FRESH=1 deploys the example, keeping a dated copy of yours)"
fi
cat >"$user_dir/settings.js" <<SETTINGS
// Written by scripts/quickstart.sh. The editor listens on loopback only: Node-RED has no login here.
module.exports = { uiHost: '127.0.0.1', uiPort: $port, flowFile: 'flows.json', credentialSecret: false,
  telemetry: { enabled: false, updateNotification: false }, editorTheme: { tours: false } };
SETTINGS

node node_modules/node-red/red.js -u "$user_dir" -s "$user_dir/settings.js" >"$user_dir/node-red.log" 2>&1 &
red=$!
traffic=
cleanup() {
  [ -n "$traffic" ] && kill -- "-$traffic" 2>/dev/null || true
  kill "$red" 2>/dev/null || true
  wait "$red" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM

url=http://127.0.0.1:$port/
for _ in $(seq 1 120); do
  curl -fsS -m 2 "${url}settings" >/dev/null 2>&1 && break
  kill -0 "$red" 2>/dev/null || { cat "$user_dir/node-red.log" >&2; exit 1; }
  sleep 0.5
done
if [ "$deploy_example" = 1 ]; then
  curl -fsS -m 2 "${url}flows" | grep -q edgeshark- || { echo "quickstart: the flow did not deploy (log: $user_dir/node-red.log)" >&2; exit 1; }
fi

# Traffic t1 -> t2 until Ctrl-C (20 datagrams/s, bounded to 12 hours should the script be left
# running), so that the flow has packets to show. Its own process group, so that the stop reaches
# the loop and the sender it runs at that moment.
setsid bash -c 'end=$((SECONDS + 43200)); while [ $SECONDS -lt $end ]; do bash scripts/edgeshark-testbed.sh traffic udp t1 t2 --count 100 --rate 20 >/dev/null; done' &
traffic=$!

echo
echo "Node-RED editor with $flow_note: $url"
echo "(on another machine: ssh -L $port:127.0.0.1:$port root@THIS-HOST, then open the URL there)"
echo "Node-RED log: $user_dir/node-red.log. Ctrl-C stops Node-RED and the traffic."
if [ "${CSHARG_QUICKSTART_CHECK:-0}" = 1 ]; then
  sleep 5
  grep -q -i "error" "$user_dir/node-red.log" && { echo "quickstart: Node-RED logged errors:" >&2; grep -i error "$user_dir/node-red.log" >&2; exit 1; }
  echo "quickstart: check passed"
  exit 0
fi
wait "$red"
